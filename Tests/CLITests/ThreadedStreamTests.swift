import Foundation
import Testing

/// The stream's threaded path (`eval --deals`: batches cut into chunks of 64 lines that the
/// workers take in turn), end to end: streams of 1, 63, 64, 65, 1,000 and 20,000 lines with bad
/// lines in the first, a middle and the last chunk, a chunk of only bad lines, a valid line
/// longer than a whole chunk of ordinary lines and one over the size limit. The output is
/// byte-identical with `--jobs 1`, `2` and `4`, and to deciding each line alone; lines that
/// arrive one by one on a pipe are answered the same; a rule file changed mid-stream decides no
/// line.
@Suite struct ThreadedStreamTests {
    /// The lines a stream is made of: the samples' stream (its bad line included), and lines
    /// that are bad in other ways.
    static let ordinary: [String] = {
        let text = (try? String(contentsOf: packageRoot.appendingPathComponent("samples/deals/stream.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }()
    static let bad = [#"{"discount": "lots"}"#, "not json", #"{"region": "EU""#, #"{"region": "EU", "region": "US"}"#]
    /// Valid, and longer than a chunk of ordinary lines (about 40 KB): a customer's long name.
    static let long = #"{"id": "L", "customer": ""# + String(repeating: "Contoso ", count: 40_000) + #"", "region": "EU", "discount": 25}"#
    /// Over `--max-deal-bytes 200000`.
    static let tooLong = #"{"customer": ""# + String(repeating: "x", count: 250_000) + #""}"#

    static func stream(_ n: Int) -> [String] {
        (0..<n).map { i in
            if i == 0 || i == n / 2 || i == n - 1 { return bad[i % bad.count] }
            if n >= 200, (64..<128).contains(i) { return bad[i % bad.count] }
            if n >= 65, i == n / 3 { return long }
            if n >= 65, i == 2 * n / 3 { return tooLong }
            return ordinary[i % ordinary.count]
        }
    }

    static let options = ["--today", "2026-12-01", "--max-deal-bytes", "200000"]

    /// Each distinct line decided alone (a stream of that one line), by its text.
    static func alone(_ lines: Set<String>, in dir: URL) throws -> [String: String] {
        var out: [String: String] = [:]
        for (i, line) in lines.enumerated() {
            let file = dir.appendingPathComponent("alone-\(i).jsonl")
            try (line + "\n").write(to: file, atomically: true, encoding: .utf8)
            let r = try dealrules(["eval", "samples/northwind", "--deals", file.path, "--jobs", "1"] + options)
            out[line] = String(r.stdout.dropLast())
        }
        return out
    }

    @Test(arguments: [1, 63, 64, 65, 1_000, 20_000])
    func everyJobCountAnswersAlikeAndAsEachLineAlone(lines n: Int) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lines = Self.stream(n)
        let file = dir.appendingPathComponent("deals.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        var outputs: [Int: String] = [:]
        for jobs in [1, 2, 4] {
            let r = try dealrules(["eval", "samples/northwind", "--deals", file.path, "--jobs", String(jobs)] + Self.options)
            #expect(r.status == 1, "bad lines make the exit 1")
            outputs[jobs] = r.stdout
        }
        #expect(outputs[2] == outputs[1], "--jobs 2 differs from --jobs 1")
        #expect(outputs[4] == outputs[1], "--jobs 4 differs from --jobs 1")
        let alone = try Self.alone(Set(lines), in: dir)
        let expected = lines.enumerated().map { i, line in
            alone[line]!.replacingOccurrences(of: #"{"index":0,"#, with: #"{"index":\#(i),"#, options: .anchored)
        }
        let got = (outputs[1] ?? "").split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(got.count == n)
        let first = zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(first == nil, "line \(first?.offset ?? -1) differs from deciding it alone:\n\(first?.element.0.prefix(300) ?? "")\n\(first?.element.1.prefix(300) ?? "")")
    }

    /// The stream is read 64 KiB at a time straight into its batches: lines whose breaks fall on
    /// the last or first byte of a read, lines over the limit that span reads (first, in the
    /// middle, and last without a line break) are each answered as that line alone, from a
    /// file and from a pipe, on one thread and on two.
    @Test func linesAcrossTheReadsAreReadWhole() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let read = 65_536
        /// A valid line of exactly `length` bytes.
        func padded(_ id: String, _ length: Int) -> String {
            let head = #"{"id": "\#(id)", "region": "EU", "customer": ""#, tail = #""}"#
            return head + String(repeating: "y", count: length - head.utf8.count - tail.utf8.count) + tail
        }
        // After a line over the limit, a line whose break is the last byte of a read.
        let after = Self.tooLong.utf8.count + 1
        let streams: [[String]] = [
            // The first line break is the first read's last byte; the second, the third read's first.
            [padded("a", read - 1), padded("b", read), Self.ordinary[1], Self.tooLong, Self.ordinary[2], Self.tooLong],
            // Over the limit first, then a line that ends where a read does.
            [Self.tooLong, padded("c", (after / read + 1) * read - 1 - after), Self.ordinary[3]],
        ]
        for lines in streams {
            let file = dir.appendingPathComponent("edges.jsonl")
            // The last line has no line break.
            try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            let alone = try Self.alone(Set(lines), in: dir)
            let expected = lines.enumerated().map { i, line in
                alone[line]!.replacingOccurrences(of: #"{"index":0,"#, with: #"{"index":\#(i),"#, options: .anchored) + "\n"
            }.joined()
            for jobs in ["1", "2"] {
                let fromFile = try dealrules(["eval", "samples/northwind", "--deals", file.path, "--jobs", jobs] + Self.options)
                #expect(fromFile.status == 1)
                #expect(fromFile.stdout == expected, "--jobs \(jobs), from a file")
                let fromPipe = try run("bash", ["-c", #"cat "$1" | "$2" eval samples/northwind --deals - --jobs "$3" --today 2026-12-01 --max-deal-bytes 200000"#,
                                                "pipe", file.path, binary.path, jobs])
                #expect(fromPipe.stdout == expected, "--jobs \(jobs), from a pipe")
            }
        }
    }

    /// A rule file changed while a stream runs: the copies of the rules for the second thread
    /// load after the change, find the files no longer the ones first loaded, and are not used;
    /// every line is decided by the rules the stream started with.
    @Test func rulesChangedMidStreamDoNotDecideAnyLine() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rules = dir.appendingPathComponent("northwind")
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("samples/northwind"), to: rules)
        let lines = (0..<4_000).map { Self.ordinary[$0 % Self.ordinary.count] }
        let file = dir.appendingPathComponent("deals.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let before = try dealrules(["eval", rules.path, "--deals", file.path, "--jobs", "1", "--today", "2026-12-01"])
        #expect(before.stdout.contains(#""team":"Finance""#))
        // Ten lines, a pause (the rules are loaded, no batch is full yet), the change, the rest.
        let changed = try run("bash", ["-c", """
            { head -n 10 "$1"; sleep 1; sed -i 's/"Finance"/"Finance Team"/' "$3/declarations.rules"; tail -n +11 "$1"; } \
              | "$2" eval "$3" --deals - --jobs 2 --today 2026-12-01
            """, "changed", file.path, binary.path, rules.path])
        #expect(try String(contentsOf: rules.appendingPathComponent("declarations.rules"), encoding: .utf8).contains("Finance Team"))
        #expect(changed.status == before.status)
        #expect(changed.stdout == before.stdout)
    }

    /// Lines that arrive one by one on a pipe, with pauses, are answered as the same lines in a file.
    @Test func aSlowProducerGetsTheSameAnswers() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lines = Self.stream(130)
        let file = dir.appendingPathComponent("deals.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let whole = try dealrules(["eval", "samples/northwind", "--deals", file.path, "--jobs", "2"] + Self.options)
        let slow = try run("bash", ["-c", """
            while IFS= read -r line; do printf '%s\\n' "$line"; sleep 0.002; done < "$1" \
              | "$2" eval samples/northwind --deals - --jobs 2 --today 2026-12-01 --max-deal-bytes 200000
            """, "slow", file.path, binary.path])
        #expect(slow.status == 1)
        #expect(slow.stdout == whole.stdout)
    }
}
