import Foundation
import Testing

@testable import DealRules

import Glibc

/// How a stream's batch is filled straight from a file descriptor, and cut into chunks for the
/// threads (`DealBatch`, `DealStreamDecider`; the command's reader is tested end to end in
/// Tests/CLITests/ThreadedStreamTests.swift).
@Suite struct StreamBatchTests {
    /// The bytes `fd` gives, read into a batch in reads of at most `size`, as lines.
    static func lines(of text: String, readSize size: Int) throws -> [String] {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let bytes = Array(text.utf8)
        // Small enough for the pipe's buffer: written whole before it is read.
        #expect(bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) } == bytes.count)
        close(fds[1])
        var batch = DealBatch()
        var start = 0, first = true
        while true {
            let n = batch.read(from: fds[0], upTo: size)
            if n <= 0 { break }
            let next = batch.markLines(from: start, first: first)
            if next > start { first = false }
            start = next
        }
        batch.markLastLine(from: start, first: first)
        close(fds[0])
        var out: [String] = []
        batch.forEachLine { line in
            if case .text(let b) = line { out.append(String(decoding: b, as: UTF8.self)) }
        }
        return out
    }

    @Test(arguments: [1, 2, 3, 7, 64])
    func linesReadInPiecesAreTheWholeLines(readSize: Int) throws {
        let text = "\u{FEFF}{\"a\": 1}\r\n\n   \n{\"b\": 2}\n{\"c\": 3}"
        #expect(try Self.lines(of: text, readSize: readSize) == [#"{"a": 1}"#, #"{"b": 2}"#, #"{"c": 3}"#])
    }

    @Test func theUnfinishedLineMovesToTheNextBatch() {
        var a = DealBatch(), b = DealBatch()
        a.append(line: Array("{\"x\": 1}".utf8))
        let tailStart = a.byteCount
        a.append(line: Array("{\"y\"".utf8))
        a.entries.removeLast()
        a.moveTail(from: tailStart, to: &b)
        #expect(a.byteCount == tailStart && a.count == 1)
        #expect(b.byteCount == 4 && b.count == 0 && Array(b.bytes[0..<4]) == Array("{\"y\"".utf8))
    }

    /// A short batch (large decisions) is still cut into several chunks per thread.
    @Test func chunksAreSizedSoEveryThreadHasSeveral() {
        #expect(DealStreamDecider.chunkLines(4096, workers: 2) == 64)
        #expect(DealStreamDecider.chunkLines(100, workers: 2) == 12)
        #expect(DealStreamDecider.chunkLines(100, workers: 4) == 6)
        #expect(DealStreamDecider.chunkLines(5, workers: 2) == 1)
    }

    /// Each line of a stream is its deal's decision as `Decision.json` writes it: one that
    /// lists nothing (written straight from deciding, with no `Decision` made) as well as one
    /// that fires rules or misses facts; with and without explanations. The output is given
    /// to the caller where it was written, and its length returned.
    @Test(arguments: [false, true])
    func eachLineIsItsDecisionsJSON(explain: Bool) throws {
        let rules = try northwind()
        let today = try #require(Day.parse("2026-12-01"))
        let lines = [#"{"id": "a", "discount": 5, "services": []}"#,
                     #"{"id": 7, "discount": 95, "services": [{"name": "Nope"}, {"name": "SIEM", "seats": 3}]}"#,
                     #"{"discount": 5}"#, #"{"id": null, "discount": 0, "services": [{"name": "SIEM"}]}"#]
        var decider = DealStreamDecider(rules: rules, today: today, explain: explain)
        var written: [UInt8] = []
        let count = decider.decide(DealBatch(jsonl: Array(lines.joined(separator: "\n").utf8))) { written += $0 }
        #expect(count == written.count)
        let expected = try lines.indices.map { i in try rules.decide(rules.deal(json: lines[i]), today: today, explain: explain).json(index: i) }
        #expect(String(decoding: written, as: UTF8.self) == expected.joined(separator: "\n") + "\n")
        #expect(expected.filter { $0.hasSuffix(#""required":[],"outcomes":[],"undetermined":[]}"#) }.count == 2)
        #expect(expected.contains { !$0.contains(#""outcomes":[]"#) } && expected.contains { !$0.contains(#""undetermined":[]"#) })
    }

    /// Two workers on a short batch answer as one, in order.
    @Test func twoWorkersOnAShortBatchAnswerAsOne() throws {
        let rules = try northwind()
        let today = try #require(Day.parse("2026-12-01"))
        let text = try String(contentsOfFile: path("samples/deals/stream.jsonl"), encoding: .utf8)
        let jsonl = Array(String(repeating: text + "\n", count: 25).utf8)
        var one = DealStreamDecider(rules: rules, today: today)
        var two = DealStreamDecider(rules: rules, today: today)
        two.add(workers: [rules.copy() ?? rules])
        var a: [UInt8] = [], b: [UInt8] = []
        one.decide(DealBatch(jsonl: jsonl), into: &a)
        two.decide(DealBatch(jsonl: jsonl), into: &b)
        #expect(two.parallelism == 2)
        #expect(a == b)
        #expect(a.filter { $0 == 0x0A }.count == 100)
        // Given to the caller in pieces (one per chunk), the same bytes.
        var three = DealStreamDecider(rules: rules, today: today)
        three.add(workers: [rules.copy() ?? rules])
        var c: [UInt8] = [], pieces = 0
        let count = three.decide(DealBatch(jsonl: jsonl)) { c += $0; pieces += 1 }
        #expect(c == a && count == a.count && pieces > 1)
    }

    /// A batch's output swapped out in chunks (what `eval --deals` on two threads writes while
    /// the next batch is decided) is the same bytes, batch after batch, on one worker or two;
    /// the chunks handed back are written into again, and an empty batch is no chunk.
    @Test(arguments: [1, 2])
    func chunksSwappedOutAreTheBatchsOutput(workers: Int) throws {
        let rules = try northwind()
        let today = try #require(Day.parse("2026-12-01"))
        let text = try String(contentsOfFile: path("samples/deals/stream.jsonl"), encoding: .utf8)
        var whole = DealStreamDecider(rules: rules, today: today)
        var chunked = DealStreamDecider(rules: rules, today: today)
        if workers == 2 { chunked.add(workers: [rules.copy() ?? rules]) }
        var chunks = [DecidedChunk()]
        for repeats in [25, 3, 40] {
            let jsonl = Array(String(repeating: text + "\n", count: repeats).utf8)
            var expected: [UInt8] = []
            whole.decide(DealBatch(jsonl: jsonl), into: &expected)
            let count = chunked.decide(DealBatch(jsonl: jsonl), swappingOutputWith: &chunks)
            #expect(chunks[..<count].flatMap(\.bytes) == expected, "\(repeats) deals")
            #expect(workers == 1 ? count == 1 : count > 1)
        }
        #expect(chunked.index == whole.index && chunked.kinds == whole.kinds)
        #expect(chunked.decide(DealBatch(jsonl: []), swappingOutputWith: &chunks) == 0)
    }
}
