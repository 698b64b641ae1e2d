/// A catalog kept as a spreadsheet. The CSV reader is our own, small and exact: it knows the
/// line and column of every cell, which a catalog error must show (SwiftCSV and CSV.swift give
/// rows but not where a row or a bad quote is in the file). It reads CSV as spreadsheets write
/// it: quoted cells with `""`, embedded commas and line breaks, CRLF, a byte-order mark, and
/// `;` as the separator when the header has no comma (European spreadsheets).
struct CSVTable {
    struct Cell {
        var text: String
        var range: SourceRange
    }

    var rows: [[Cell]] = []
    var diagnostics: [Diagnostic] = []

    init(_ source: SourceFile) {
        let b = source.bytes
        let headerEnd = b.firstIndex(of: UInt8(ascii: "\n")) ?? b.count
        let header = b[0..<headerEnd]
        let separator = !header.contains(UInt8(ascii: ",")) && header.contains(UInt8(ascii: ";"))
            ? UInt8(ascii: ";") : UInt8(ascii: ",")
        var i = 0
        var row: [Cell] = []
        while i <= b.count {
            // One cell.
            let start = i
            var text: [UInt8] = []
            if i < b.count, b[i] == UInt8(ascii: "\"") {
                i += 1
                var closed = false
                while i < b.count {
                    if b[i] == UInt8(ascii: "\"") {
                        if i + 1 < b.count, b[i + 1] == UInt8(ascii: "\"") {
                            text.append(UInt8(ascii: "\""))
                            i += 2
                            continue
                        }
                        i += 1
                        closed = true
                        break
                    }
                    text.append(b[i])
                    i += 1
                }
                if !closed {
                    diagnostics.append(Diagnostic(.csvUnterminatedQuote, "this quoted cell is never closed",
                                                  at: SourceLocation(source, SourceRange(start, start + 1)),
                                                  help: "close it with `\"`; write `\"\"` for a quote inside a cell"))
                    return
                }
                // Anything between the closing quote and the separator is kept as written.
                while i < b.count, b[i] != separator, b[i] != UInt8(ascii: "\n"), b[i] != UInt8(ascii: "\r") {
                    text.append(b[i])
                    i += 1
                }
            } else {
                while i < b.count, b[i] != separator, b[i] != UInt8(ascii: "\n") {
                    text.append(b[i])
                    i += 1
                }
                if text.last == UInt8(ascii: "\r") { text.removeLast() }
            }
            row.append(Cell(text: String(decoding: text, as: UTF8.self), range: SourceRange(start, i)))
            if i < b.count, b[i] == separator {
                i += 1
                continue
            }
            // End of the record.
            if i < b.count, b[i] == UInt8(ascii: "\r") { i += 1 }
            if !(row.count == 1 && row[0].text.trimmed.isEmpty) { rows.append(row) }
            row = []
            i += 1
        }
    }
}

extension Checker {
    /// The entries of a catalog CSV for item kind `k`; every bad cell is reported with its row
    /// and column.
    mutating func csvCatalog(_ k: Int, _ csv: SourceFile) -> [CatalogEntryInfo]? {
        let table = CSVTable(csv)
        diagnostics += table.diagnostics
        guard table.diagnostics.isEmpty else { return nil }
        let kind = itemKinds[k]
        guard let header = table.rows.first else {
            diagnostics.append(Diagnostic(.csvMissingNameColumn, "`\(csv.path)` is empty",
                                          at: SourceLocation(csv, SourceRange(0, 0)),
                                          help: "the first line names the columns: `name,\(kind.fields.dropFirst().map(\.name).joined(separator: ","))`"))
            return nil
        }
        guard header[0].text.trimmed.lowercased() == "name" else {
            diagnostics.append(Diagnostic(.csvMissingNameColumn, "the first column of `\(csv.path)` must be `name`",
                                          at: SourceLocation(csv, header[0].range),
                                          help: "put the entries' names in the first column, headed `name`"))
            return nil
        }
        var columns: [Int?] = [0]
        var seen: [Int: SourceRange] = [:]
        var ok = true
        for cell in header.dropFirst() {
            let name = cell.text.trimmed
            guard let f = kind.fieldIndex[name], f != 0 else {
                diagnostics.append(Diagnostic(.csvUnknownColumn, "item `\(kind.name)` has no field `\(name)`",
                                              at: SourceLocation(csv, cell.range),
                                              help: Suggestions.didYouMean(name, kind.fields.dropFirst().map(\.name))
                                                  ?? "columns after `name` are fields of `\(kind.name)`: \(kind.fields.dropFirst().map(\.name).joined(separator: ", "))"))
                ok = false
                columns.append(nil)
                continue
            }
            if let first = seen[f] {
                diagnostics.append(Diagnostic(.csvDuplicateColumn, "column `\(name)` appears twice",
                                              at: SourceLocation(csv, cell.range),
                                              notes: [.init("the first one", at: SourceLocation(csv, first))]))
                ok = false
            }
            seen[f] = cell.range
            columns.append(f)
        }
        guard ok else { return nil }
        let reader = LiteralReader(choices: choices)
        var entries: [CatalogEntryInfo] = []
        var names: [String: SourceRange] = [:]
        for (r, row) in table.rows.enumerated().dropFirst() {
            let rowNumber = r + 1
            if row.count > header.count, row[header.count...].contains(where: { !$0.text.trimmed.isEmpty }) {
                diagnostics.append(Diagnostic(.csvExtraCell, "row \(rowNumber) has more cells than the header has columns",
                                              at: SourceLocation(csv, row[header.count].range),
                                              help: "a cell with a comma in it must be in quotes: \"US, EU\""))
                continue
            }
            let name = row[0].text.trimmed
            if name.isEmpty {
                diagnostics.append(Diagnostic(.csvBadCell, "row \(rowNumber) has no name",
                                              at: SourceLocation(csv, row[0].range), help: "every entry needs a name"))
                continue
            }
            if let first = names[name] {
                diagnostics.append(Diagnostic(.duplicateEntry, "the catalog already lists \(ValueText.quoted(name))",
                                              at: SourceLocation(csv, row[0].range),
                                              notes: [.init("first listed here", at: SourceLocation(csv, first))]))
                continue
            }
            names[name] = row[0].range
            var values = Array(repeating: Value.unknown, count: kind.fields.count)
            values[0] = .text(name)
            for (c, cell) in row.enumerated().dropFirst() where c < columns.count {
                guard let f = columns[c], !cell.text.trimmed.isEmpty else { continue }
                let field = kind.fields[f]
                switch reader.read(cell.text, as: field.type) {
                case .success(let v):
                    values[f] = v
                case .failure(let e):
                    diagnostics.append(Diagnostic(.csvBadCell, "row \(rowNumber), column `\(field.name)`: \(e.message)",
                                                  at: SourceLocation(csv, cell.range),
                                                  help: e.help ?? "`\(field.name)` is \(namer.article(field.type))"))
                }
            }
            entries.append(CatalogEntryInfo(name: name, values: values))
        }
        return entries
    }
}

/// A catalog spreadsheet's rows as an editor shows them (the language server's outline, hover
/// and completion of catalog names): each row's name cell and the other cells by column. Read
/// without checking the cells, so a spreadsheet with a bad cell still lists its entries.
package enum CatalogRows {
    package struct Row: Sendable {
        package var name: String
        package var nameRange: SourceRange
        package var range: SourceRange
        package var cells: [(column: String, text: String)]
    }

    package static func read(_ source: SourceFile) -> [Row] {
        let table = CSVTable(source)
        guard let header = table.rows.first, header.first?.text.trimmed.lowercased() == "name" else { return [] }
        return table.rows.dropFirst().compactMap { row in
            guard let first = row.first, !first.text.trimmed.isEmpty, let last = row.last else { return nil }
            let cells = zip(header.dropFirst(), row.dropFirst()).map { (column: $0.text.trimmed, text: $1.text.trimmed) }
            return Row(name: first.text.trimmed, nameRange: first.range, range: first.range.union(last.range), cells: cells)
        }
    }
}
