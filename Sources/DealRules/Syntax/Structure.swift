/// A rule file's meaning without its layout: declarations and expressions printed with no
/// source ranges, so two texts can be compared for "says the same thing". The formatter checks
/// its output with it; `check --dump-ast` prints it (`SyntaxDump`).
extension Expr {
    package var structure: String {
        switch kind {
        case .number(let f): return f.formatted()
        case .money(let f): return f.moneyText
        case .percent(let f): return f.percentText
        case .duration(let d): return "(\(d.months)mo \(d.days)d)"
        case .date(let d): return d.description
        case .text(let s): return ValueText.quoted(s)
        case .flag(let b): return b ? "yes" : "no"
        case .list(let xs): return "[" + xs.map(\.structure).joined(separator: " ") + "]"
        case .path(let names): return names.map(\.text).joined(separator: ".")
        case .today: return "today"
        case .catalog: return "catalog"
        case .negate(let x): return "(neg \(x.structure))"
        case .not(let x): return "(not \(x.structure))"
        case .binary(let op, let l, let r): return "(\(op.rawValue) \(l.structure) \(r.structure))"
        case .compare(let op, let l, let r): return "(\(op.rawValue) \(l.structure) \(r.structure))"
        case .between(let x, let lo, let hi, let n):
            return "(\(n ? "not-between" : "between") \(x.structure) \(lo.structure) \(hi.structure))"
        case .quantified(let q, let n, let b): return "(\(q.rawValue) \(n.text) \(b.structure))"
        case .aggregate(let k, let p, let w):
            return "(\(k.rawValue) \(p.map(\.text).joined(separator: "."))" + (w.map { " where " + $0.structure } ?? "") + ")"
        case .group(let x): return "(group \(x.structure))"
        case .interpolated(let parts):
            return "(message " + parts.map { p in
                switch p {
                case .literal(let s): ValueText.quoted(s)
                case .expression(let e): "{\(e.structure)}"
                }
            }.joined(separator: " ") + ")"
        case .invalid: return "<invalid>"
        }
    }
}

extension Declaration {
    package var structure: String {
        func fields(_ fs: [FieldDecl]) -> String {
            fs.map { f in
                "\(f.name.text): \(f.type.isList ? "list of " : "")\(f.type.name.text)" + (f.defaultValue.map { " = " + $0.structure } ?? "")
            }.joined(separator: "; ")
        }
        switch kind {
        case .choice(let name, let values): return "choice \(name.text): \(values.map(\.text).joined(separator: ", "))"
        case .deal(let fs): return "deal {\(fields(fs))}"
        case .item(let name, let fs): return "item \(name.text) {\(fields(fs))}"
        case .catalog(let item, let entries):
            return "catalog \(item.text) {" + entries.map { e in
                ValueText.quoted(e.name) + " " + e.values.map { "\($0.0.text): \($0.1.structure)" }.joined(separator: ", ")
            }.joined(separator: "; ") + "}"
        case .catalogFile(let item, let path, _): return "catalog \(item.text) from \(ValueText.quoted(path))"
        case .approval(let name, let team, _): return "approval \(name.text): \(ValueText.quoted(team))"
        case .define(let name, let value): return "define \(name.text) = \(value.structure)"
        case .include(let path, _): return "include \(ValueText.quoted(path))"
        case .rule(let r):
            return "rule \(r.name?.text ?? "_"): \(r.outcome.rawValue) \(r.approvals.map(\.text).joined(separator: ",")) when "
                + r.condition.structure + (r.unless.map { " unless " + $0.structure } ?? "")
                + (r.because.map { " because " + $0.structure } ?? "")
        case .scenario(let name, _, let statements):
            return "scenario \(ValueText.quoted(name)) {" + statements.map { s in
                switch s {
                case .fact(let f, _):
                    switch f {
                    case .set(let p, let v): "\(p.map(\.text).joined(separator: ".")) = \(v.structure)"
                    case .today(let v): "today = \(v.structure)"
                    case .add(let k, let n, _, let fs):
                        "add \(k.text) \(ValueText.quoted(n))" + fs.map { " \($0.field.text) = \($0.value.structure)" }.joined()
                    case .remove(let k, let n, _): "remove \(k.text) \(ValueText.quoted(n))"
                    case .unset(let p): "unset \(p.map(\.text).joined(separator: "."))"
                    }
                case .expect(let e):
                    "expect " + (e.negated ? "no " : "") + {
                        switch e.what {
                        case .decision(let d): d.rawValue
                        case .require(let a): "require \(a.text)"
                        case .deny: "deny"
                        case .warn: "warn"
                        case .rule(let r): "rule \(r.text)"
                        }
                    }()
                }
            }.joined(separator: "; ") + "}"
        }
    }
}

/// What `dealrules check --dump-tokens` and `--dump-ast` print: one stage of the pipeline at a
/// time, for a person working on the language (or on a rule that does not parse as expected).
package enum SyntaxDump {
    /// One token a line: where it starts, its kind and its text. `name`, `number`, `money`,
    /// `percent`, `duration`, `date`, `text` for names and literals; keywords and symbols as
    /// they are spelled.
    package static func tokens(_ source: SourceFile, limits: Limits = .default) -> (text: String, diagnostics: [Diagnostic]) {
        let lexer = Lexer.tokenize(source, limits: limits)
        var out = ""
        for t in lexer.tokens {
            let (line, column) = source.position(of: Int(t.range.start))
            out += "\(source.path):\(line):\(column)\t\(t.kind.dumpName)\t\(source.text(of: t.range))\n"
        }
        return (out, lexer.diagnostics)
    }

    /// One declaration a line, where it starts and what it says without its layout
    /// (`Declaration.structure`): `(> discount 20%)` for `discount > 20%`.
    package static func tree(_ source: SourceFile, limits: Limits = .default) -> (text: String, diagnostics: [Diagnostic]) {
        let tree = Parser.parse(source, limits: limits)
        var out = ""
        for d in tree.declarations {
            let (line, column) = source.position(of: Int(d.range.start))
            out += "\(source.path):\(line):\(column)\t\(d.structure)\n"
        }
        return (out, tree.diagnostics)
    }
}

extension TokenKind {
    /// How `--dump-tokens` names the kind.
    var dumpName: String {
        switch self {
        case .name: "name"
        case .number: "number"
        case .money: "money"
        case .percent: "percent"
        case .duration: "duration"
        case .date: "date"
        case .text: "text"
        case .endOfInput: "end"
        case .invalid: "invalid"
        default: keywordSpelling ?? description.trimming("`")
        }
    }
}

extension String {
    /// Without `characters` at either end.
    func trimming(_ characters: String) -> String {
        var s = Substring(self)
        while let f = s.first, characters.contains(f) { s.removeFirst() }
        while let l = s.last, characters.contains(l) { s.removeLast() }
        return String(s)
    }
}
