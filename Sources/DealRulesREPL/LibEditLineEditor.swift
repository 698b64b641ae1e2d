import CLibEdit

import Glibc

/// Line editing with libedit: Emacs keys, UTF-8, history recall, Tab completion from the
/// session, Ctrl-C clearing the line, Ctrl-D leaving on an empty line. The only file that
/// talks to libedit.
public final class LibEditLineEditor: LineEditor {
    private let el: OpaquePointer
    private let history: OpaquePointer
    private var prompt: UnsafeMutablePointer<CChar>
    private var interrupted = false
    private var closed = false
    private let complete: (String) -> Completion
    private let historyFile: HistoryFile?

    /// nil when stdin or stdout is not a terminal libedit can drive.
    public init?(historyFile: HistoryFile?, complete: @escaping (String) -> Completion) {
        guard let el = dealrules_el_init("dealrules"), let history = dealrules_history_init(1000) else { return nil }
        self.el = el
        self.history = history
        self.prompt = strdup("> ")
        self.complete = complete
        self.historyFile = historyFile
        dealrules_el_set_editor(el, "emacs")
        dealrules_el_set_signal(el, 1)
        dealrules_el_set_clientdata(el, Unmanaged.passUnretained(self).toOpaque())
        dealrules_el_set_prompt(el, { el in
            guard let el, let data = dealrules_el_get_clientdata(el) else { return nil }
            return Unmanaged<LibEditLineEditor>.fromOpaque(data).takeUnretainedValue().prompt
        })
        for entry in historyFile?.load() ?? [] { dealrules_history_enter(history, Self.oneLine(entry)) }
        dealrules_el_set_history(el, history)
        dealrules_el_addfn(el, "dealrules-complete", "complete the word", { el, _ in
            guard let el, let data = dealrules_el_get_clientdata(el) else { return UInt8(CC_ERROR) }
            return Unmanaged<LibEditLineEditor>.fromOpaque(data).takeUnretainedValue().completeWord()
        })
        dealrules_el_bind(el, "^I", "dealrules-complete")
        dealrules_el_addfn(el, "dealrules-interrupt", "clear the line", { el, _ in
            guard let el, let data = dealrules_el_get_clientdata(el) else { return UInt8(CC_NEWLINE) }
            Unmanaged<LibEditLineEditor>.fromOpaque(data).takeUnretainedValue().interrupted = true
            return UInt8(CC_NEWLINE)
        })
        dealrules_el_bind(el, "^C", "dealrules-interrupt")
        // In edit mode ^C is a key (bound above), not a signal that would end the program.
        dealrules_el_setty(el, "-d", "-isig")
    }

    deinit { close() }

    /// Restores the terminal. Called on every way out; safe to call twice.
    public func close() {
        guard !closed else { return }
        closed = true
        dealrules_el_end(el)
        dealrules_history_end(history)
        free(prompt)
    }

    public func readLine(prompt text: String) -> LineInput {
        free(prompt)
        prompt = strdup(text)
        interrupted = false
        var count: Int32 = 0
        let line = dealrules_el_gets(el, &count)
        // Ctrl-C returns the line unfinished (empty, on an empty line): checked first.
        if interrupted {
            write("^C\n")
            return .interrupted
        }
        guard let line, count > 0 else {
            return count < 0 && errno == EINTR ? .interrupted : .endOfInput
        }
        var bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(line).assumingMemoryBound(to: UInt8.self), count: Int(count)))
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        return .line(String(decoding: bytes, as: UTF8.self))
    }

    public func remember(_ entry: String) {
        dealrules_history_enter(history, Self.oneLine(entry))
        historyFile?.append(entry)
    }

    public func write(_ text: String) {
        writeOut(text)
    }

    /// Multi-line entries are recalled on one line, which means the same.
    static func oneLine(_ entry: String) -> String {
        entry.split(separator: "\n").map { String($0).trimmed }.joined(separator: " ")
    }

    /// Tab. When more input is already waiting, this is a paste, and the Tab is text.
    private func completeWord() -> UInt8 {
        var waiting = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        if poll(&waiting, 1, 0) > 0 {
            dealrules_el_insertstr(el, "\t")
            return UInt8(CC_REFRESH)
        }
        guard let info = dealrules_el_line(el)?.pointee else { return UInt8(CC_ERROR) }
        let length = info.cursor - info.buffer
        let prefix = String(decoding: UnsafeBufferPointer(start: UnsafeRawPointer(info.buffer).assumingMemoryBound(to: UInt8.self),
                                                          count: length), as: UTF8.self)
        let c = complete(prefix)
        let typed = Array(prefix).count - c.start
        let word = String(Array(prefix)[c.start...])
        switch c.candidates.count {
        case 0:
            return UInt8(CC_ERROR)
        case 1:
            let only = c.candidates[0]
            dealrules_el_deletestr(el, Int32(typed))
            let ending = only.hasSuffix("/") || only.hasSuffix("\"") || only.hasSuffix(".") ? "" : " "
            dealrules_el_insertstr(el, only + ending)
            return UInt8(CC_REFRESH)
        default:
            let common = c.commonPrefix
            if common.count > word.count {
                dealrules_el_deletestr(el, Int32(typed))
                dealrules_el_insertstr(el, common)
                return UInt8(CC_REFRESH)
            }
            write("\n" + Self.columns(c.candidates) + "\n")
            return UInt8(CC_REDISPLAY)
        }
    }

    static func columns(_ items: [String], width: Int = 80) -> String {
        let cell = (items.map(\.count).max() ?? 0) + 2
        let perLine = max(1, width / cell)
        var out = ""
        for (i, item) in items.enumerated() {
            out += item
            if (i + 1) % perLine == 0 || i == items.count - 1 {
                out += "\n"
            } else {
                out += String(repeating: " ", count: cell - item.count)
            }
        }
        return String(out.dropLast())
    }
}
