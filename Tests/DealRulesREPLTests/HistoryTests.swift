import DealRules
import Foundation
import Testing
@testable import DealRulesREPL

@Suite struct HistoryTests {
    @Test func entriesRoundTripAndMultiLineEntriesStayOne() throws {
        let path = try temporaryDirectory().appendingPathComponent("history").path
        let h = HistoryFile(path: path)
        let entries = ["discount = 25%", "rule r:\n  warn when x > 1", "text with \\ backslash and \\n not a break", "café ☕"]
        for e in entries { h.append(e) }
        #expect(h.load() == entries)
        let raw = try String(contentsOfFile: path, encoding: .utf8)
        #expect(raw.hasPrefix("# dealrules history 1\n"))
        #expect(raw.split(separator: "\n").count == 5)
    }

    @Test func aLineCutShortByACrashIsIgnored() throws {
        let path = try temporaryDirectory().appendingPathComponent("history").path
        try "# dealrules history 1\nfirst\nsecond\\nline\nhalf-writ".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(HistoryFile(path: path).load() == ["first", "second\nline"])
        try "garbage \\q\nok\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(HistoryFile(path: path).load() == ["ok"])
    }

    @Test func sizeIsBounded() throws {
        let path = try temporaryDirectory().appendingPathComponent("history").path
        let h = HistoryFile(path: path, limit: 50)
        for i in 0..<2000 { h.append("entry number \(i)") }
        let kept = h.load()
        #expect(kept.count == 50)
        #expect(kept.last == "entry number 1999")
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        #expect(size < 50 * 2 * 80 + 200)
    }

    @Test func twoWritersAtOnceLoseNothingAndCorruptNothing() async throws {
        let path = try temporaryDirectory().appendingPathComponent("history").path
        await withTaskGroup(of: Void.self) { group in
            for w in 0..<4 {
                group.addTask {
                    let h = HistoryFile(path: path, limit: 10_000)
                    for i in 0..<250 { h.append("writer \(w) entry \(i) " + String(repeating: "x", count: i % 40)) }
                }
            }
        }
        let all = HistoryFile(path: path, limit: 10_000).load()
        #expect(all.count == 1000)
        for w in 0..<4 {
            let mine = all.filter { $0.hasPrefix("writer \(w) ") }
            #expect(mine.count == 250)
            #expect(mine == (0..<250).map { "writer \(w) entry \($0) " + String(repeating: "x", count: $0 % 40) }, "in order")
        }
    }

    @Test func atomicWritesReplaceWholeFiles() throws {
        let path = try temporaryDirectory().appendingPathComponent("f.json").path
        try writeAtomically(Array("one".utf8), to: path)
        chmod(path, 0o640)
        try writeAtomically(Array("two".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
        #expect(mode == 0o640)
        #expect(throws: FileError.self) { try writeAtomically([1], to: "/no/such/dir/f") }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
        #expect(leftovers == ["f.json"])
    }
}
