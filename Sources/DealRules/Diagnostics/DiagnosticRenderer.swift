/// Turns diagnostics into text for people: `FILE:LINE:COL: error: message`, the source line
/// with a caret under the span, then help and notes. Returns a string; never prints.
public struct DiagnosticRenderer: Sendable {
    package var color: Bool

    /// With `color`, ANSI colours (for a terminal).
    public init(color: Bool = false) {
        self.color = color
    }

    /// The diagnostics as `dealrules check` prints them.
    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(render).joined()
    }

    package func render(_ d: Diagnostic) -> String {
        var out = ""
        let label: String
        switch d.severity {
        case .error: label = paint("error", "1;31")
        case .warning: label = paint("warning", "1;33")
        case .note: label = paint("note", "1;36")
        }
        if let loc = d.location {
            out += paint("\(loc.description):", "1") + " "
        }
        out += "\(label): \(paint(d.message, "1"))\n"
        if let loc = d.location {
            out += snippet(loc)
        }
        if let help = d.help {
            out += "   \(paint("= help:", "1;36")) \(help)\n"
        }
        for note in d.notes { out += render(note, label: "note") }
        if let finding = d.finding {
            if let witness = finding.witness { out += "   \(paint("= deal:", "1;36")) \(witness)\n" }
            for e in finding.evidence { out += render(e, label: "evidence") }
        }
        return out
    }

    private func render(_ note: Diagnostic.Note, label: String) -> String {
        guard let loc = note.location else { return "   \(paint("= \(label):", "1;36")) \(note.message)\n" }
        return "   \(paint("= \(label):", "1;36")) \(note.message) (\(loc.description))\n" + snippet(loc)
    }

    /// The source line, numbered, and a caret line under the span (to the end of the first line
    /// when the span runs on).
    private func snippet(_ loc: SourceLocation) -> String {
        guard loc.file.showsExcerpts else { return "" }
        let line = loc.lineText
        let number = String(loc.line)
        let gutter = String(repeating: " ", count: number.count)
        let chars = Array(line)
        // Keep tabs as tabs so the caret sits under the same column on any terminal.
        var pad = ""
        for i in 0..<max(0, min(loc.column - 1, chars.count)) {
            pad.append(chars[i] == "\t" ? "\t" : " ")
        }
        if loc.column - 1 > chars.count {
            pad += String(repeating: " ", count: loc.column - 1 - chars.count)
        }
        let lastColumn = loc.endLine == loc.line ? loc.endColumn : chars.count + 1
        let width = max(1, lastColumn - loc.column)
        let marks = "^" + String(repeating: "~", count: width - 1)
        return " \(number) | \(line)\n \(gutter) | \(pad)\(paint(marks, "1;32"))\n"
    }

    private func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
