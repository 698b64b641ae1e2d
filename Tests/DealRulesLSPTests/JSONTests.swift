import DealRules
import DealRulesLSP
import Testing

@Suite struct JSONTests {
    @Test func readsAndWritesBack() throws {
        let text = #"{"a":[1,-2.5e3,true,false,null],"b":"x\"y\\z\n\u00e9\ud83d\ude00","c":{}}"#
        let value = try JSON.parse(text)
        #expect(value["a"]?.array?.count == 5)
        #expect(value["a"]?.array?[1] == .number("-2.5e3"))
        #expect(value["b"]?.string == "x\"y\\z\né😀")
        #expect(try JSON.parse(value.text) == value)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "1e", "\"\\x\"", "\"\\ud800\"", "\"\\udc00x\"",
        "{\"a\":1,\"a\":2}", "tru", "nul", "[1 2]", "\"a\u{01}\"", "1 2", "{a:1}",
    ])
    func refuses(_ text: String) {
        #expect(throws: JSONScanner.Failure.self) { try JSON.parse(text) }
    }

    @Test func refusesDeepNesting() {
        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: JSONScanner.Failure.self) { try JSON.parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try JSON.parse(fine) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONScanner.Failure.self) { try JSON.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func escapesControlCharacters() {
        #expect(JSON.string("a\u{01}\tb").text == #""a\u0001\tb""#)
    }
}
