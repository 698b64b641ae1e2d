import DealRules

/// A file open in the editor: its text as the editor has it (saved or not), and its index.
struct Document: Sendable {
    let uri: String
    /// The real path on disk, for a `file:` URI.
    let path: String?
    var version: Int
    private(set) var bytes: [UInt8]
    private(set) var map: LineMap
    var index: FileIndex

    init(uri: String, text: String, version: Int, displayPath: (String) -> String) {
        self.uri = uri
        path = FileURI.path(uri).map(realPath)
        self.version = version
        bytes = Array(text.utf8)
        map = LineMap(bytes)
        index = FileIndex(rules: SourceFile(path: "", bytes: []))
        reindex(displayPath: displayPath)
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The source file as the library reads it (path shown relative to its rule set).
    var source: SourceFile { index.source }

    mutating func replace(_ range: Range<Int>, with text: String) {
        let lower = min(range.lowerBound, bytes.count), upper = min(max(range.upperBound, lower), bytes.count)
        bytes.replaceSubrange(lower..<upper, with: Array(text.utf8))
        map = LineMap(bytes)
    }

    mutating func reindex(displayPath: (String) -> String) {
        let shown = path.map(displayPath) ?? uri.split(separator: "/").last.map(String.init) ?? uri
        let source = SourceFile(path: shown, absolutePath: path ?? uri, bytes: bytes)
        index = FileIndex(rules: source)
    }

    /// Whether it is a rule file (a catalog spreadsheet is indexed by the check, which knows
    /// its item kind).
    var isRules: Bool { !(path?.hasSuffix(".csv") ?? false) }
}
