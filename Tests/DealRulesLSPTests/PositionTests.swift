import DealRules
import DealRulesLSP
import Foundation
import Testing

/// The protocol counts columns in UTF-16 code units; the library in UTF-8 bytes.
@Suite struct PositionTests {
    @Test func utf16ColumnsAfterAccentsAndEmoji() throws {
        let text = "deal {\n  note: text\n  discount: percent\n}\nrule a:\n  warn when note is \"é😀\" or discont > 5%\n"
        let error = try #require(RuleSet.load(source: text).diagnostics.first { $0.code.rawValue == "check.unknown-field" })
        let map = LineMap(text)
        let (line, character) = map.position(of: Int(error.location!.range.start))
        // "  warn when note is "é😀" or " is 28 characters, 29 UTF-16 units (the emoji is two), 32 bytes.
        let lineText = text.split(separator: "\n", omittingEmptySubsequences: false)[5]
        let before = lineText[..<lineText.firstRange(of: "discont")!.lowerBound]
        #expect(line == 5)
        #expect(character == before.utf16.count)
        #expect(character == 29)
        #expect(before.count == 28 && before.utf8.count == 32)
        // And back.
        #expect(map.offset(line: line, character: character) == Int(error.location!.range.start))
        let end = map.position(of: Int(error.location!.range.end))
        #expect(end.character - character == "discont".utf16.count)
    }

    @Test func positionsOutsideTheTextAreClamped() {
        let map = LineMap("ab\r\ncd")
        #expect(map.offset(line: 0, character: 99) == 2)    // the end of the line, before CRLF
        #expect(map.offset(line: 9, character: 0) == 6)     // past the last line: the end
        #expect(map.offset(line: -1, character: 0) == 0)
        #expect(map.position(of: 99) == (1, 2))
        #expect(map.offset(line: 1, character: 1) == 5)
    }

    @Test func fileURIs() {
        #expect(FileURI.path("file:///a/b%20c.rules") == "/a/b c.rules")
        #expect(FileURI.path("file://localhost/a") == "/a")
        #expect(FileURI.path("untitled:1") == nil)
        #expect(FileURI.uri("/a/b c/é.rules") == "file:///a/b%20c/%C3%A9.rules")
        #expect(FileURI.path(FileURI.uri("/x/ü y#1.rules")) == "/x/ü y#1.rules")
    }
}
