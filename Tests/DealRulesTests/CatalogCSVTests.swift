import Foundation
import Testing
@testable import DealRules

@Suite struct CatalogCSVTests {
    let rules = """
        choice region: US, EU, APAC
        item service {
          lead_time: duration
          regions: list of region
          price: money
          note: text
          managed: flag
        }
        deal { services: list of service }
        catalog service from "catalog.csv"
        warn when any service not in catalog

        """

    /// Loads the rules above beside `csv` (as bytes, to test BOMs and line ends).
    func load(csv: [UInt8]) throws -> LoadResult {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try rules.write(to: dir.appendingPathComponent("r.rules"), atomically: true, encoding: .utf8)
        try Data(csv).write(to: dir.appendingPathComponent("catalog.csv"))
        return RuleSet.load(paths: [dir.path])
    }

    func entries(_ result: LoadResult) -> [CatalogEntryInfo] {
        result.ruleSet?.itemKind(named: "service")?.catalog?.entries ?? []
    }

    @Test func asSpreadsheetsWriteIt() throws {
        let csv = "\u{FEFF}name,lead_time,regions,price,note,managed\r\n"
            + "SIEM,30 days,US; EU,\"$1,200.50\",\"said \"\"hello\"\", twice\",yes\r\n"
            + "\"Backup,\r\n Plus\",10 days,\"[US, EU]\",12,,FALSE\r\n"
            + "\r\n"
            + "Empty,,,,,\r\n"
        let result = try load(csv: Array(csv.utf8))
        #expect(result.diagnostics.isEmpty, "\(DiagnosticRenderer().render(result.diagnostics))")
        let e = entries(result)
        #expect(e.map(\.name) == ["SIEM", "Backup,\r\n Plus", "Empty"])
        #expect(e[0].values[3] == .money(Fixed(raw: 1_200_500_000)))
        #expect(e[0].values[4] == .text("said \"hello\", twice"))
        #expect(e[0].values[5] == .yes)
        #expect(e[1].values[2] == .list([.choice(ChoiceValue(choice: 0, value: 0)), .choice(ChoiceValue(choice: 0, value: 1))]))
        #expect(e[1].values[3] == .money(Fixed(raw: 12_000_000)), "a plain number is accepted as money")
        #expect(e[1].values[4] == .unknown, "an empty cell gives no value")
        #expect(e[2].values.dropFirst().allSatisfy { $0 == .unknown })
    }

    @Test func semicolonSeparatedFiles() throws {
        let result = try load(csv: Array("name;lead_time;regions\nSIEM;30 days;[US, EU]\n".utf8))
        #expect(result.diagnostics.isEmpty, "\(DiagnosticRenderer().render(result.diagnostics))")
        #expect(entries(result).first?.values[1] == .duration(Duration(days: 30)))
    }

    /// Spreadsheets leave out a row's empty cells at its end: the cells a row lacks give no
    /// value, as empty ones do (docs/language.md, "Catalog spreadsheets").
    @Test func aShortRowLacksItsLastValues() throws {
        let result = try load(csv: Array("name,lead_time,price,note\nA,10 days\nB\nC,1 day,$5,x\n".utf8))
        #expect(result.diagnostics.isEmpty, "\(DiagnosticRenderer().render(result.diagnostics))")
        #expect(entries(result).map(\.name) == ["A", "B", "C"])
        #expect(entries(result).map { $0.values[1] } == [.duration(Duration(days: 10)), .unknown, .duration(Duration(days: 1))])
        #expect(entries(result).map { $0.values[3] } == [.unknown, .unknown, .money(Fixed(5)!)])
    }

    @Test func badCellsSayRowAndColumn() throws {
        let result = try load(csv: Array("name,lead_time,price\nA,10 days,$5\nB,ten days,$5\nC,1 day,five\n".utf8))
        let d = result.diagnostics
        #expect(d.map(\.code) == [.csvBadCell, .csvBadCell])
        #expect(d.map(\.message) == ["row 3, column `lead_time`: `ten days` is not a duration",
                                     "row 4, column `price`: `five` is not money such as `$1,200` or `99.50`"])
        #expect(d.map { "\($0.location!.path):\($0.location!.line):\($0.location!.column)" } == ["catalog.csv:3:3", "catalog.csv:4:9"])
    }

    @Test func headersAndRows() throws {
        #expect(try load(csv: Array("title,lead_time\nA,1 day\n".utf8)).diagnostics.map(\.code) == [.csvMissingNameColumn])
        #expect(try load(csv: Array("name,leadtime\n".utf8)).diagnostics.map(\.code) == [.csvUnknownColumn])
        #expect(try load(csv: Array("name,note,note\n".utf8)).diagnostics.map(\.code) == [.csvDuplicateColumn])
        #expect(try load(csv: Array("name,note\nA,x,y\n".utf8)).diagnostics.map(\.code) == [.csvExtraCell])
        #expect(try load(csv: Array("name,note\nA,x,\n".utf8)).diagnostics.isEmpty, "an empty extra cell is fine")
        #expect(try load(csv: Array("name,note\n,x\n".utf8)).diagnostics.map(\.code) == [.csvBadCell])
        #expect(try load(csv: Array("name\nA\nA\n".utf8)).diagnostics.map(\.code) == [.duplicateEntry])
        #expect(try load(csv: Array("name,note\nA,\"open\n".utf8)).diagnostics.map(\.code) == [.csvUnterminatedQuote])
        #expect(try load(csv: []).diagnostics.map(\.code) == [.csvMissingNameColumn])
        #expect(try load(csv: [0xFF, 0xFE, 0x41]).diagnostics.map(\.code) == [.notUTF8])
        #expect(try load(csv: Array("Name,note\nA,x\n".utf8)).diagnostics.isEmpty, "the name header is matched loosely")
    }
}
