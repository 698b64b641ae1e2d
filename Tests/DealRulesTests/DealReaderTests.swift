import Testing
@testable import DealRules

@Suite struct DealReaderTests {
    func error(_ json: String, name: String = "deal") throws -> Diagnostic? {
        do {
            _ = try northwind().deal(json: json, name: name)
            return nil
        } catch let e as Diagnostic {
            return e
        }
    }

    /// The eight-bytes-at-a-time string scan against a byte-by-byte one: a stop byte (`"`, `\`,
    /// a control byte) or a non-ASCII byte at every position of strings of every length up to
    /// three words, starting at every offset in a word.
    @Test func stringScanFindsEveryStopByteAndEveryHighByte() {
        func reference(_ b: [UInt8], from: Int) -> (Int, Bool) {
            var j = from, high = false
            while j < b.count, b[j] != 0x22, b[j] != 0x5C, b[j] >= 0x20 {
                high = high || b[j] >= 0x80
                j += 1
            }
            return (j, high)
        }
        let specials: [UInt8] = [0x22, 0x5C, 0x00, 0x01, 0x0A, 0x1F, 0x20, 0x21, 0x5B, 0x5D, 0x7F, 0x80, 0xC3, 0xFF]
        var checked = 0
        for length in 0...24 {
            for from in 0..<min(8, length + 1) {
                for at in 0..<max(length, 1) {
                    for special in specials {
                        for second in [nil, UInt8(0xE2), UInt8(0x22)] {
                            var bytes = (0..<length).map { UInt8(0x61 + $0 % 26) }
                            if at < length { bytes[at] = special }
                            if let second, at + 3 < length { bytes[at + 3] = second }
                            let got = bytes.withUnsafeBufferPointer { DealReader.scanString($0, from: from) }
                            let want = reference(bytes, from: from)
                            #expect(got.end == want.0 && got.high == want.1, "\(bytes) from \(from)")
                            checked += 1
                        }
                    }
                }
            }
        }
        #expect(checked > 10_000)
    }

    /// The key table finds every key of every length and no key that differs from one in a
    /// single byte (at any position) or in length.
    @Test func keyTableFindsExactKeysOnly() {
        func key(_ n: Int) -> String {
            var bytes: [UInt8] = []
            for k in 0..<n { bytes.append(UInt8(0x61 + (k * 7 + n) % 26)) }
            return String(decoding: bytes, as: UTF8.self)
        }
        let keys = (0...40).map(key)
        let table = ByteKeyTable(keys.enumerated().map { ($1, $0) })
        for (index, key) in keys.enumerated() {
            let bytes = Array(key.utf8)
            #expect(table.lookup(bytes) == index, "\(key)")
            for at in bytes.indices {
                var near = bytes
                near[at] ^= 0x20
                #expect(table.lookup(near) == nil, "\(key) changed at \(at)")
            }
            #expect(table.lookup(bytes + [0x61]) == nil || keys.firstIndex(of: key + "a") != nil)
        }
    }

    /// Two keys of one length with the same hash: the table must compare their bytes (short keys
    /// are compared as words, longer ones with `memcmp`).
    @Test(arguments: [5, 10, 20])
    func keyTableTellsApartKeysWhoseHashesCollide(length: Int) throws {
        var seen: [UInt32: [UInt8]] = [:]
        var pair: ([UInt8], [UInt8])?
        for i in 0..<400_000 where pair == nil {
            var key = Array(String(i, radix: 36).utf8)
            key = [UInt8](repeating: UInt8(ascii: "_"), count: max(0, length - key.count)) + key
            let h = key.withUnsafeBufferPointer { ByteKeyView.hash($0) }
            if let other = seen[h] { pair = (other, key) } else { seen[h] = key }
        }
        let (a, b) = try #require(pair, "no two keys of \(length) bytes share a hash")
        let table = ByteKeyTable([(String(decoding: a, as: UTF8.self), 1)])
        #expect(table.lookup(a) == 1)
        #expect(table.lookup(b) == nil, "\(String(decoding: b, as: UTF8.self)) is not \(String(decoding: a, as: UTF8.self))")
    }

    @Test func everyShapeOfLANGUAGEmd() throws {
        let set = try northwind()
        let deal = try set.deal(json: """
            {"customer": "Fabrikam", "region": "EU", "discount": "25%", "term": "12 months", "start": "2026-12-10",
             "total": "$1,200", "sla": "gold", "rush": false, "regions": ["US", "EU"], "tags": [], "id": "Q-1",
             "today": "2026-12-01", "services": [{"name": "SIEM", "seats": 20, "lead_time": "5 days"}]}
            """)
        #expect(deal.given("discount", in: set) == .percent(Fixed(raw: 25_000_000)))
        #expect(deal.given("total", in: set) == .money(Fixed(raw: 1_200_000_000)))
        #expect(deal.given("term", in: set) == .duration(Duration(months: 12)))
        #expect(deal.given("rush", in: set) == .no)
        #expect(deal.id == "\"Q-1\"")
        #expect(deal.today == Day(year: 2026, month: 12, day: 1))
        #expect(deal.itemNames("service", in: set) == ["SIEM"])
        #expect(deal.items("service", in: set).first?.isInCatalog == true)
    }

    @Test func numbersAreExactAndPercentsArePoints() throws {
        let set = try northwind()
        #expect(try set.deal(json: #"{"discount": 0.25}"#).given("discount", in: set) == .percent(Fixed(raw: 250_000)))
        #expect(try set.deal(json: #"{"total": 0.1}"#).given("total", in: set) == .money(Fixed(raw: 100_000)))
        #expect(try set.deal(json: #"{"total": 1.5e3}"#).given("total", in: set) == .money(Fixed(raw: 1_500_000_000)))
        #expect(try set.deal(json: #"{"total": 12345678901.123456}"#).given("total", in: set) == .money(Fixed(raw: 12_345_678_901_123_456)))
    }

    /// docs/language.md: white space around a value read from a string is ignored, for every
    /// type but text (FuzzDecide found the reference evaluator refusing a padded choice).
    @Test func whiteSpaceAroundAValueIsIgnoredButTextIsKept() throws {
        let set = try northwind()
        let padded = #" \t"# + String(repeating: " ", count: 66)  // a JSON escape for a tab, then spaces
        let deal = try set.deal(json: #"{"region": "\#(padded)EU\n", "term": " 12 months ", "start": "\u00A02026-12-01", "#
            + #""total": " $1,200 ", "discount": " 5 % ", "today": "2026-12-01 ", "customer": "  Acme  "}"#)
        #expect(deal.given("region", in: set) == (try set.deal(json: #"{"region": "EU"}"#).given("region", in: set)))
        #expect(deal.given("term", in: set) == .duration(Duration(months: 12, days: 0)))
        #expect(deal.given("start", in: set) == .date(try #require(Day(year: 2026, month: 12, day: 1))))
        #expect(deal.given("total", in: set) == .money(Fixed(raw: 1_200_000_000)))
        #expect(deal.given("discount", in: set) == .percent(Fixed(raw: 5_000_000)))
        #expect(deal.today == Day(year: 2026, month: 12, day: 1))
        #expect(deal.given("customer", in: set) == .text("  Acme  "))
        // The spaces inside a duration may be left out, as in a rule file (FuzzDecide found
        // the reference refusing `1 year 20months`).
        for (text, months, days) in [("20months", 20, 0), ("1year2months", 14, 0), ("1month+15days", 1, 15), ("1 year 20months", 32, 0)] {
            #expect(try set.deal(json: #"{"term": "\#(text)"}"#).given("term", in: set) == .duration(Duration(months: Int32(months), days: Int32(days))))
        }
        // An error quotes the value without the white space.
        #expect(try error(#"{"region": "  Mars "}"#)?.message == "`region`: `Mars` is not a value of `region`")
    }

    @Test func nullMeansNotGiven() throws {
        let set = try northwind()
        let deal = try set.deal(json: #"{"discount": null, "services": null, "id": null, "today": null}"#)
        #expect(deal.given("discount", in: set) == .unknown)
        #expect(deal.given("services", in: set) == .unknown)
        #expect(deal.id == nil)
        #expect(deal.today == nil)
    }

    @Test(arguments: [
        ("", DiagnosticCode.emptyDeal, "the deal is empty"),
        ("   \n ", .emptyDeal, "the deal is empty"),
        ("[]", .notAnObject, "a deal must be a JSON object `{…}`, not a list"),
        ("\"x\"", .notAnObject, "a deal must be a JSON object `{…}`, not text"),
        ("{", .invalidJSON, "invalid JSON: the input ends where a key in quotes should be"),
        ("{\"discount\" 5}", .invalidJSON, "invalid JSON at line 1, column 13: expected `:` after the key, found `5`"),
        ("{\"rush\": true} x", .invalidJSON, "invalid JSON at line 1, column 16: expected the end of the deal, found `x`"),
        ("{\"customer\": \"a\nb\"}", .invalidJSON, "invalid JSON at line 1, column 16: expected a character allowed in JSON text (escape line breaks as \\n), found byte 0xa"),
        ("{\"discont\": 5}", .undeclaredField, "`discont` is not a field of the deal"),
        ("{\"discount\": 5, \"discount\": 6}", .duplicateKey, "`discount` is given twice"),
        ("{\"discount\": \"5\"}", .wrongValueType, "`discount`: `5` is not a percent"),
        ("{\"discount\": true}", .wrongValueType, "`discount` must be a percent, not `true`"),
        ("{\"customer\": 5}", .wrongValueType, "`customer` must be text, not the number 5"),
        ("{\"rush\": \"yes\"}", .wrongValueType, "`rush` must be a condition (yes/no), not text \"yes\""),
        ("{\"term\": 12}", .wrongValueType, "`term` must be a duration, not the number 12"),
        ("{\"term\": \"12 moons\"}", .wrongValueType, "`term`: `12 moons` is not a duration"),
        ("{\"region\": \"Europe\"}", .unknownChoice, "`region`: `Europe` is not a value of `region`"),
        ("{\"start\": \"2026-02-30\"}", .impossibleDate, "`start`: `2026-02-30` is not a date"),
        ("{\"start\": \"01/12/2026\"}", .impossibleDate, "`start`: `01/12/2026` is not a date"),
        ("{\"regions\": \"US\"}", .wrongValueType, "`regions` must be a list of region, not text \"US\""),
        ("{\"regions\": [\"US\", null]}", .wrongValueType, "`regions[1]` is null; a list holds values only"),
        ("{\"regions\": [\"US\", \"Mars\"]}", .unknownChoice, "`regions[1]`: `Mars` is not a value of `region`"),
        ("{\"services\": {}}", .wrongValueType, "`services` must be a list of service objects, not an object"),
        ("{\"services\": [\"SIEM\"]}", .notAnObject, "`services[0]` must be an object with a \"name\", not text"),
        ("{\"services\": [{}]}", .itemWithoutName, "`services[0]` has no \"name\""),
        ("{\"services\": [{\"name\": null}]}", .itemWithoutName, "`services[0].name` must be text, not null"),
        ("{\"services\": [{\"name\": \"A\", \"sets\": 1}]}", .undeclaredField, "`services[0].sets` is not a field of item `service`"),
        ("{\"services\": [{\"name\": \"A\"}, {\"name\": \"A\"}]}", .duplicateItem, "`services` lists \"A\" twice"),
        ("{\"total\": 10000000000000}", .wrongValueType, "`total` is too large"),
        ("{\"total\": 1.0000001}", .wrongValueType, "`total` has more than 6 digits after the point"),
        // Text is quoted as written, `$` and `%` included (found by the property test).
        ("{\"total\": \"$5.\"}", .wrongValueType, "`total`: `$5.` is not money such as `$1,200` or `99.50`"),
        ("{\"total\": \"$1.0000001\"}", .wrongValueType, "`total`: `$1.0000001` has more than 6 digits after the point"),
        ("{\"discount\": \"5%%\"}", .wrongValueType, "`discount`: `5%%` is not a percent such as `25%`"),
        ("{\"total\": 01}", .invalidJSON, "invalid JSON at line 1, column 12: expected `,` or `}`, found `1`"),
        ("{\"today\": \"tomorrow\"}", .impossibleDate, "`today`: `tomorrow` is not a date"),
        // A bare word is shown as it is, not taken for the value its first letter starts.
        ("nonsense", .invalidJSON, "a deal must be a JSON object `{…}`, not `nonsense`, which is not JSON"),
        ("{\"region\": EU}", .invalidJSON, "`region` must be a value of `region`, not `EU`, which is not JSON"),
        ("{\"services\": [nope]}", .invalidJSON, "`services[0]` must be an object with a \"name\", not `nope`, which is not JSON"),
        ("{\"rush\": truth}", .invalidJSON, "`rush` must be a condition (yes/no), not `truth`, which is not JSON"),
        // Numbers JavaScript would take and JSON does not: invalid JSON, not a wrong type.
        ("{\"discount\": .5}", .invalidJSON, "`discount` must be a percent, not `.5`, which is not JSON"),
        ("{\"discount\": NaN}", .invalidJSON, "`discount` must be a percent, not `NaN`, which is not JSON"),
        ("{\"discount\": +1}", .invalidJSON, "`discount` must be a percent, not `+1`, which is not JSON"),
        ("{\"id\": +1}", .invalidJSON, "invalid JSON at line 1, column 8: expected a JSON value, found `+`"),
        ("{\"tags\": [\"a\", .5]}", .invalidJSON, "`tags[1]` must be text, not `.5`, which is not JSON"),
    ])
    func badDeals(json: String, code: DiagnosticCode, message: String) throws {
        let e = try #require(try error(json))
        #expect(e.code == code)
        #expect(e.message == message)
    }

    @Test func aNumberJSONDoesNotTakeSaysHowToWriteIt() throws {
        #expect(try #require(try error("{\"discount\": .5}")).help == "a JSON number starts with a digit: `0.5`")
        #expect(try #require(try error("{\"discount\": NaN}")).help == "JSON has no NaN or Infinity: give a number, or null when it is not known")
        #expect(try #require(try error("{\"region\": EU}")).help == "write one of \"US\", \"EU\", \"APAC\"")
    }

    @Test func errorsSayWhere() throws {
        let e = try #require(try error("{\n  \"discount\": 5,\n  \"discont\": 6\n}"))
        #expect(e.location?.description == "deal:3:3")
        #expect(e.help == "did you mean `discount`?")
        // Located in the deal's own text, named as the caller names it; rendered without an
        // excerpt of the deal.
        let named = try #require(try error("\u{FEFF}{\"discont\": 6}", name: "q.json"))
        #expect(named.location?.description == "q.json:1:2")
        #expect(DiagnosticRenderer().render(named) == "q.json:1:2: error: `discont` is not a field of the deal\n   = help: did you mean `discount`?\n")
    }

    @Test func escapesAndUnicode() throws {
        let set = try northwind()
        let d = try set.deal(json: #"{"customer": "Caf\u00e9 \"Ltd\" \ud83d\ude00 /\/", "c\u0075stomer2": 1}"#.replacingOccurrences(of: ", \"c\\u0075stomer2\": 1", with: ""))
        #expect(d.given("customer", in: set) == .text("Café \"Ltd\" 😀 //"))
        #expect(try set.deal(json: #"{"\u0064iscount": 5}"#).given("discount", in: set) == .percent(Fixed(raw: 5_000_000)))
        #expect(try error(#"{"customer": "\ud83d"}"#)?.code == .invalidJSON)
        #expect(try error(#"{"customer": "\q"}"#)?.code == .invalidJSON)
    }

    @Test func limits() throws {
        var limits = Limits()
        limits.maxJSONDepth = 3
        limits.maxListLength = 2
        let set = try RuleSet.load(source: northwindDeclarations, limits: limits).get()
        #expect(throws: Diagnostic.self) { try set.deal(json: #"{"regions": ["US", "EU", "APAC"]}"#) }
        #expect(throws: Diagnostic.self) { try set.deal(json: #"{"id": [[[[1]]]]}"#) }
        #expect(try set.deal(json: #"{"id": [[1]]}"#).id == "[[1]]")
        let deep = String(repeating: "[", count: 100_000)
        #expect(try error("{\"id\": \(deep)")?.code == .dealLimit)
    }

    @Test func swiftValuesReadLikeJSON() throws {
        let set = try northwind()
        let deal = try set.deal(["region": "EU", "discount": "25%", "total": 80_000, "rush": true, "regions": ["US"],
                                 "services": [["name": "SIEM", "seats": 20]], "customer": .null, "id": .number("7")])
        #expect(deal.given("total", in: set) == .money(Fixed(raw: 80_000_000_000)))
        #expect(deal.given("customer", in: set) == .unknown)
        #expect(deal.id == "7")
        #expect(throws: Diagnostic.self) { try set.deal(["regoin": "EU"]) }
    }

    @Test func idsOfBadDealsAreStillFound() throws {
        let set = try northwind()
        #expect(set.dealID(json: Array(#"{"discont": 1, "id": "X-1"}"#.utf8)) == "\"X-1\"")
        // An id read before the JSON breaks still names the line.
        #expect(set.dealID(json: Array(#"{"id": 5, "x": [}"#.utf8)) == "5")
        #expect(set.dealID(json: Array(#"{"x": [}, "id": 5"#.utf8)) == nil)
        #expect(set.dealID(json: Array("[1]".utf8)) == nil)
    }

    @Test func anIDOfAnySizeOrShapeIsEchoedAsGiven() throws {
        let set = try northwind()
        #expect(try set.deal(json: #"{"id": 123456789012345678901234567890}"#).id == "123456789012345678901234567890")
        #expect(try set.deal(json: #"{"id": {"crm": [1e400, "Q-1"]}}"#).id == #"{"crm": [1e400, "Q-1"]}"#)
    }

    @Test func textThatIsNotUTF8IsInvalidJSONNeverReplaced() throws {
        let set = try northwind()
        for bytes: [UInt8] in [Array(#"{"customer": "Z"#.utf8) + [0xFC] + Array(#"rich"}"#.utf8),
                               Array(#"{"services": [{"name": "S"#.utf8) + [0xC3] + Array(#""}]}"#.utf8),
                               Array(#"{"cust"#.utf8) + [0xFF] + Array(#"omer": "x"}"#.utf8)] {
            do {
                _ = try set.deal(json: bytes)
                Issue.record("read a deal that is not UTF-8")
            } catch {
                #expect(error.code == .invalidJSON)
                #expect(error.message.contains("not valid UTF-8"), "\(error.message)")
            }
        }
    }

    /// A deal's parts live in one shared object (copying a deal retains only it): reading
    /// another deal into a copy, or setting its date or id, must leave the other copies, and a
    /// decision made from one, as they were.
    @Test func aDealIsAValueThoughItsStorageIsShared() throws {
        let set = try northwind()
        let first = #"{"id": "A", "region": "EU", "discount": 95, "services": [{"name": "SIEM", "seats": 3}, {"name": "Nope"}]}"#
        let second = #"{"id": "B", "region": "US", "services": [{"name": "Backup", "seats": 40}]}"#
        let original = try set.deal(json: first)
        var reused = original
        let decision = set.decide(reused, today: Day(year: 2026, month: 12, day: 1)!)
        let before = decision.json()
        let error = Array(second.utf8).withUnsafeBufferPointer { set.read(buffer: $0, into: &reused) }
        #expect(error == nil)
        #expect(reused == (try set.deal(json: second)))
        #expect(original == (try set.deal(json: first)))
        #expect(original.given("region", in: set) != reused.given("region", in: set))
        #expect(original.itemNames("service", in: set) == ["SIEM", "Nope"])
        #expect(decision.json() == before)
        #expect(decision.required == ["delivery_approval", "finance_approval", "security_review"])

        var dated = original
        dated.today = Day(year: 2027, month: 1, day: 1)
        dated.id = "\"C\""
        #expect(original.today == nil && original.id == "\"A\"")
        #expect(dated != original)
    }
}
