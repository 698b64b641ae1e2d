/// A deal given as Swift values, the way JSON would give it: numbers as exact decimal text or
/// integers (never binary floating point), text, lists, objects.
///
///     let deal = try rules.deal([
///         "region": "EU", "discount": "25%", "total": 80_000,
///         "services": [["name": "SIEM", "seats": 20]],
///     ])
public indirect enum DealValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number as decimal text: `"1200.50"`.
    case number(String)
    case text(String)
    case list([DealValue])
    case object([String: DealValue])

    func writeJSON(_ w: inout JSONWriter) {
        switch self {
        case .null: w.null()
        case .bool(let b): w.value(b)
        case .number(let n): w.raw(n)
        case .text(let s): w.value(s)
        case .list(let xs):
            w.beginArray()
            for x in xs { x.writeJSON(&w) }
            w.endArray()
        case .object(let o):
            w.beginObject()
            for (k, v) in o.sorted(by: { $0.key < $1.key }) {
                w.key(string: k)
                v.writeJSON(&w)
            }
            w.endObject()
        }
    }
}

/// No `ExpressibleByNilLiteral`: `nil` must keep meaning "no value" in code that handles
/// optional `DealValue`s; JSON's null is `.null`.
extension DealValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    /// `"EU"`: text.
    public init(stringLiteral value: String) { self = .text(value) }
    /// `80_000`: a number.
    public init(integerLiteral value: Int) { self = .number(String(value)) }
    /// `true`: a flag.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// `["US", "EU"]`: a list.
    public init(arrayLiteral elements: DealValue...) { self = .list(elements) }
    /// `["name": "SIEM", "seats": 20]`: an object (an item).
    public init(dictionaryLiteral elements: (String, DealValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }
}

extension RuleSet {
    /// Reads a deal given as Swift values; the same rules and errors as JSON.
    public func deal(_ values: [String: DealValue]) throws(Diagnostic) -> Deal {
        var w = JSONWriter()
        DealValue.object(values).writeJSON(&w)
        return try deal(json: w.bytes)
    }

    /// Reads and decides a JSON deal in one call.
    public func decide(json bytes: some Collection<UInt8>, today: Day? = nil, explain: Bool = false) throws(Diagnostic) -> Decision {
        decide(try deal(json: bytes), today: today, explain: explain)
    }
}
