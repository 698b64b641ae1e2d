import DealRules

/// A request the service cannot take: the diagnostic that says why (the codes `eval` gives, or
/// a `service.*` code), where in the body, and the HTTP status that goes with it.
package struct ServiceError: Error {
    package let diagnostic: Diagnostic
    package var line: Int?
    package var column: Int?
    package var status: Int
    /// Extra headers (`Allow` for a 405, `WWW-Authenticate` for a 401).
    package var headers: [(String, String)] = []

    init(_ diagnostic: Diagnostic, line: Int? = nil, column: Int? = nil, status: Int? = nil) {
        self.diagnostic = diagnostic
        self.line = line
        self.column = column
        self.status = status ?? Self.status(of: diagnostic.code)
    }

    init(_ diagnostic: Diagnostic, at place: (line: Int, column: Int)) {
        self.init(diagnostic, line: place.line, column: place.column)
    }

    /// A deal that could not be read: where the reader says, moved by where the deal starts in
    /// the body (line and column of its first byte).
    init(deal diagnostic: Diagnostic, startingAt start: (line: Int, column: Int) = (1, 1)) {
        let l = diagnostic.location
        let line = l.map { start.line + $0.line - 1 }
        let column = l.map { $0.line == 1 ? start.column + $0.column - 1 : $0.column }
        self.init(diagnostic, line: line, column: column)
    }

    /// A body over the limit: the same error a stream's line over `--max-deal-bytes` gets.
    static func tooLarge(bytes: Int, limit: Int) -> ServiceError {
        ServiceError(Diagnostic.lineTooLong(bytes: bytes, limit: limit), status: 413)
    }

    /// 400 for a body that is not JSON (or a request that cannot be read), 422 for a deal that
    /// does not fit the declarations, and the `service.*` codes' own.
    static func status(of code: DiagnosticCode) -> Int {
        switch code {
        case .invalidJSON, .emptyDeal, .badRequest: 400
        case .unauthorized: 401
        case .routeNotFound: 404
        case .methodNotAllowed: 405
        case .unsupportedMediaType: 415
        case .notReady: 503
        default: 422
        }
    }

    package var body: [UInt8] { Array((diagnostic.serviceErrorJSON(line: line, column: column) + "\n").utf8) }
}
