import Testing
@testable import DealRules

/// The deal reader's usual path (`DealReader+Usual.swift`) reads the shapes a stream's lines
/// nearly always have, and gives every other line to the full reader: where it reads a deal,
/// the full reader must read the same one.
@Suite struct UsualPathTests {
    /// Reads `json` both ways; fails when the usual path reads a deal the full reader does not.
    /// Whether the usual path read it.
    @discardableResult
    func agree(_ json: String, _ rules: RuleSet, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Bool {
        let (usual, full) = rules.dealBothWays(json: Array(json.utf8))
        guard let usual else { return false }
        switch full {
        case .success(let deal): #expect(deal == usual, "\(json)", sourceLocation: sourceLocation)
        case .failure(let e): Issue.record("the usual path read \(json), the full reader said \(e.message)", sourceLocation: sourceLocation)
        }
        return true
    }

    /// What tools write: every type of field, items in and off the catalog, nulls, white
    /// space, fields in any order. The usual path reads all of it, as the full reader does.
    @Test func readsTheUsualShapesAsTheFullReaderDoes() throws {
        let rules = try northwind()
        let usual = [
            #"{"id":"S-1","customer":"Adatum","region":"US","discount":5,"term":"12 months","start":"2027-01-04","total":12000,"sla":"bronze","services":[{"name":"Managed Backup","seats":50}]}"#,
            #"{"id": 7, "region": "EU", "discount": "25%", "total": "$1,200.50", "rush": true, "regions": ["US", "APAC"]}"#,
            #"{"services":[{"name":"SIEM","seats":20,"price":"$45"},{"name":"Not Sold Here","seats":3,"lead_time":"2 weeks","regions":["US","EU"]}]}"#,
            #"{"sla":"gold","region":"APAC","term":"1 year 3 months","discount":12.5,"total":0.25,"rush":false,"customer":null,"services":null}"#,
            #"{ "id" : null , "today" : "2026-12-01" , "tags" : [ "en" , "de" ] , "services" : [ ] }"#,
            "{\n\t\"region\": \"EU\",\r\n\"term\": \"3 days\"}\n",
            #"{"term":"1 day","discount":0,"total":123456789012,"rush":false}"#,
            #"{"total":1234567890123,"discount":1e1}"#, #"{"total":10.000001,"discount":-0.5}"#,
            #"{"customer":"Zürich AG","services":[{"name":"Managed Backup","seats":1}]}"#,
            #"{"today":null,"start":"2027-02-28"}"#,
            "{}",
            "\u{FEFF}{\"region\":\"US\"}",
        ]
        for json in usual {
            #expect(agree(json, rules), "the usual path gave up on \(json)")
        }
    }

    /// Lines the usual path leaves to the full reader, read or refused there as before: escapes,
    /// keys or names that are not plain, keys given twice, errors of every kind, limits.
    @Test func givesEveryOtherLineToTheFullReader() throws {
        let rules = try northwind()
        let others = [
            #"{"customer":"A\"B"}"#, #"{"reg\u0069on":"US"}"#, #"{"services":[{"name":"SI\u0045M"}]}"#,
            #"{"services":[{"name":"Managéd Backup"}]}"#, #"{"région":"US"}"#,
            #"{"region":"US","region":"EU"}"#, #"{"id":1,"id":2}"#, #"{"today":"2026-12-01","today":null}"#,
            #"{"services":[{"name":"SIEM","seats":1,"seats":2}]}"#, #"{"services":[{"name":"SIEM"},{"name":"SIEM"}]}"#,
            #"{"services":[{"name":"X"},{"name":"X"}]}"#, #"{"services":[{"seats":1}]}"#, #"{"services":[{}]}"#,
            #"{"services":[{"name":null}]}"#, #"{"services":[{"name":7}]}"#, #"{"services":{}}"#, #"{"services":[1]}"#,
            #"{"region":"Mars"}"#, #"{"term":"12 moons"}"#, #"{"start":"2027-02-30"}"#, #"{"today":"soon"}"#,
            #"{"discount":"25"}"#, #"{"total":"1200"}"#, #"{"rush":"yes"}"#, #"{"customer":5}"#,
            #"{"discount":01}"#, #"{"discount":1.}"#, #"{"discount":-}"#, #"{"total":1.0000001}"#,
            #"{"total":99999999999999999999}"#, #"{"tags":["en",null]}"#, #"{"unknown":1}"#,
            #"{"region":"US"} x"#, #"{"region":"US""#, #"{"region" "US"}"#, #"{"region":"US",}"#, "[]", "", "nul",
            #"{"id":{"a":[1,{"b":null}]},"region":"US"}"#, #"{"today":"2026-12-01"}"#,
        ]
        for json in others { agree(json, rules) }
        // Some of them the usual path must not read at all (they are errors or escapes).
        for json in others.prefix(30) {
            let (usual, _) = rules.dealBothWays(json: Array(json.utf8))
            #expect(usual == nil, "the usual path read \(json)")
        }
        // More than 31 items: the full reader's set of names, not the usual path's search.
        let many = "{\"services\":[" + (0..<40).map { "{\"name\":\"S\($0)\"}" }.joined(separator: ",") + "]}"
        #expect(!agree(many, rules))
        #expect((try? rules.deal(json: many))?.items("service", in: rules).count == 40)
    }

    /// A deal read into storage a larger deal used (as a stream reads every line) equals the
    /// same deal read fresh, by either path: the values left past its own are not its.
    @Test func aDealReadIntoUsedStorageEqualsAFreshOne() throws {
        let rules = try northwind()
        let large = #"{"services":[{"name":"SIEM","seats":20,"price":"$45"},{"name":"Own","lead_time":"2 weeks","regions":["US"]},{"name":"Managed Backup","seats":3}]}"#
        for small in [#"{"services":[{"name":"Endpoint Protection","seats":1}]}"#, #"{"services":[{"name":"Endpoint Prot\u0065ction","seats":1}]}"#,
                      #"{"region":"EU"}"#] {
            var reused = rules.emptyDeal()
            for json in [large, small] {
                let error = Array(json.utf8).withUnsafeBufferPointer { rules.read(buffer: $0, into: &reused) }
                #expect(error == nil, "\(json)")
            }
            let fresh = try rules.deal(json: small)
            #expect(reused == fresh, "\(small)")
            #expect(reused.hashValue == fresh.hashValue, "\(small)")
            #expect(rules.draft(of: reused) == rules.draft(of: fresh), "\(small)")
        }
        // What an item gives is compared: another seat count, or none, is another deal.
        let two = try rules.deal(json: #"{"services":[{"name":"SIEM","seats":2}]}"#)
        #expect(two != (try rules.deal(json: #"{"services":[{"name":"SIEM","seats":3}]}"#)))
        #expect(two != (try rules.deal(json: #"{"services":[{"name":"SIEM"}]}"#)))
        #expect(two == (try rules.deal(json: #"{"services":[{"name":"SIEM","seats":2.0}]}"#)))
    }

    /// A tighter nesting limit than an item's three levels: the full reader reads and refuses.
    @Test func aTightDepthLimitTakesTheFullReader() throws {
        var limits = Limits.default
        limits.maxJSONDepth = 2
        let rules = try #require(RuleSet.load(source: northwindDeclarations, limits: limits).ruleSet)
        #expect(!agree(#"{"region":"US"}"#, rules))
        #expect(throws: Diagnostic.self) { try rules.deal(json: #"{"services":[{"name":"SIEM"}]}"#) }
    }

    /// Keys tried against the next declared field: a right guess is the field, a wrong one
    /// (another key, a longer or shorter one, no closing quote) is not.
    @Test func aKeyIsGuessedOnlyWhenItIsTheWholeKey() {
        let table = ByteKeyTable(["region", "discount", "sla"].enumerated().map { ($1, $0) })
        func guess(_ text: String, _ g: Int) -> Int? {
            Array(text.utf8).withUnsafeBufferPointer { table.guessed(g, in: $0, at: 0)?.value }
        }
        #expect(guess(#"region":"#, 0) == 0)
        #expect(guess(#"discount""#, 1) == 1)
        #expect(guess(#"sla""#, 2) == 2)
        #expect(guess(#"regions":"#, 0) == nil)
        #expect(guess(#"regio":"#, 0) == nil)
        #expect(guess(#"region"#, 0) == nil)
        #expect(guess(#"discount":"#, 0) == nil)
        #expect(guess(#"sla":"#, 3) == nil)
    }

    /// Duration units are matched on their bytes: each word and its plural, nothing else.
    @Test func durationUnitsAreTheFourWordsAndTheirPlurals() {
        for (word, want) in [("day", Duration(days: 1)), ("days", Duration(days: 1)), ("week", Duration(days: 7)),
                             ("weeks", Duration(days: 7)), ("month", Duration(months: 1)), ("months", Duration(months: 1)),
                             ("year", Duration(months: 12)), ("years", Duration(months: 12))] {
            #expect(Duration.unit(Array(word.utf8)) == want, "\(word)")
        }
        for word in ["", "d", "s", "da", "dayss", "ss", "sss", "yea", "yeas", "mont", "monthly", "Day", "weekss", "hours"] {
            #expect(Duration.unit(Array(word.utf8)) == nil, "\(word)")
        }
    }

    /// The one-pass reading of `12 months` gives what reading term by term does, part for part
    /// (months and days, not only an equal length), and leaves every other form to it.
    @Test func theUsualDurationIsReadAsParseReadsIt() {
        let usual = ["12 months", "1 day", "2 weeks", "3 years", "0 days", "012 days", "999999999 days", "178956970 years",
                     "178956971 years", "1 month"]
        for text in usual {
            let got = Array(text.utf8).withUnsafeBufferPointer { Duration.parseUsual($0) }
            let want = Duration.parseTerms(Array(text.utf8))
            #expect(got?.months == want?.months && got?.days == want?.days, "\(text)")
            if want != nil { #expect(got != nil, "\(text)") }
        }
        for text in ["1 year 3 months", "1,000 days", "-3 days", " 12 months", "12 months ", "12  months", "12months", "1234567890 days",
                     "12 moons", "months", "12 ", "", "1 month + 15 days"] {
            #expect(Array(text.utf8).withUnsafeBufferPointer { Duration.parseUsual($0) } == nil, "\(text)")
        }
    }
}
