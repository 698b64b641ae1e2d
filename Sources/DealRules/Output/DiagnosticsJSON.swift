extension Array where Element == Diagnostic {
    /// The diagnostics as a JSON list, for tools: code, severity, message, help, file, line,
    /// column, end_line, end_column (lines and columns from 1, columns in characters), notes.
    public func json(pretty: Bool = true) -> String {
        var w = JSONWriter(pretty: pretty)
        w.beginArray()
        for d in self {
            w.beginObject()
            w.field("code", d.code.rawValue)
            w.field("severity", d.severity.rawValue)
            w.field("message", d.message)
            w.key("help")
            if let h = d.help { w.value(h) } else { w.null() }
            writeLocation(d.location, &w)
            if !d.notes.isEmpty { writeNotes("notes", d.notes, &w) }
            if let f = d.finding {
                w.field("rules", strings: f.rules)
                w.key("witness")
                if let witness = f.witness { w.raw(witness) } else { w.null() }
                if !f.evidence.isEmpty { writeNotes("evidence", f.evidence, &w) }
            }
            w.endObject()
        }
        w.endArray()
        return w.string
    }

    /// `"key": [{"message", "file", "line", …}]`: notes, or a finding's evidence.
    private func writeNotes(_ key: StaticString, _ notes: [Diagnostic.Note], _ w: inout JSONWriter) {
        w.key(key)
        w.beginArray()
        for n in notes {
            w.beginObject()
            w.field("message", n.message)
            writeLocation(n.location, &w)
            w.endObject()
        }
        w.endArray()
    }

    private func writeLocation(_ l: SourceLocation?, _ w: inout JSONWriter) {
        guard let l else {
            for k in ["file", "line", "column", "end_line", "end_column"] {
                w.key(string: k)
                w.null()
            }
            return
        }
        w.field("file", l.path)
        for (k, v) in [("line", l.line), ("column", l.column), ("end_line", l.endLine), ("end_column", l.endColumn)] {
            w.key(string: k)
            w.value(v)
        }
    }
}
