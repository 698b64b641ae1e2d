/// The loop: read a line, ask for more while the input is unfinished, run it, print the reply.
/// No input ends it but `:quit` and the end of input.
public enum REPL {
    public static let prompt = "deal> "
    public static let continuation = "...> "

    /// Returns the exit status: in a scripted session (`interactive` false), 1 when any input
    /// failed; otherwise 0.
    public static func run(_ session: Session, editor: LineEditor, interactive: Bool) -> Int32 {
        var failed = false
        var pending = ""
        while true {
            let prompt = interactive ? (pending.isEmpty ? Self.prompt : Self.continuation) : ""
            switch editor.readLine(prompt: prompt) {
            case .endOfInput:
                if !pending.isEmpty, !process(pending, session, editor) { failed = true }
                if interactive { editor.write("\n") }
                return failed && !interactive ? 1 : 0
            case .interrupted:
                pending = ""
            case .line(let line):
                if pending.isEmpty, line.trimmed.isEmpty { continue }
                // A command is never the rest of a statement: finish what is pending first.
                if !pending.isEmpty, line.trimmed.hasPrefix(":") {
                    if !process(pending, session, editor) { failed = true }
                    pending = ""
                }
                pending = pending.isEmpty ? line : pending + "\n" + line
                // An empty line while more is wanted submits what there is (and its error).
                if !line.trimmed.isEmpty, session.needsMore(pending) { continue }
                if interactive { editor.remember(pending) }
                let reply = step(pending, session, editor)
                pending = ""
                if reply.failed { failed = true }
                if reply.quit { return failed && !interactive ? 1 : 0 }
            }
        }
    }

    private static func process(_ input: String, _ session: Session, _ editor: LineEditor) -> Bool {
        !step(input, session, editor).failed
    }

    private static func step(_ input: String, _ session: Session, _ editor: LineEditor) -> Reply {
        if let notice = session.reloadIfChanged() { editor.write(notice + "\n") }
        let reply = session.run(input)
        if !reply.output.isEmpty { editor.write(reply.output + "\n") }
        return reply
    }
}
