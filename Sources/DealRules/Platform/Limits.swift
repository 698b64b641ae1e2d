/// The sizes past which dealrules stops with a clear error instead of running out of stack,
/// memory or patience. Every limit is documented in `docs/limits.md`; the CLI can raise them.
public struct Limits: Sendable, Hashable {
    /// Bytes in one rule file or catalog CSV.
    public var maxFileBytes: Int = 16 << 20
    /// Bytes in one token (a text literal, a name, a number).
    public var maxTokenBytes: Int = 64 << 10
    /// How deeply expressions may nest: parentheses, lists, `not`, operators, defines.
    public var maxNesting: Int = 200
    /// Rules in one rule set.
    public var maxRules: Int = 1_000_000
    /// Files in one rule set, includes counted.
    public var maxFiles: Int = 10_000
    /// Bytes in one deal (one JSON document or one line of a stream).
    public var maxDealBytes: Int = 8 << 20
    /// Elements in one list of a deal (items or values).
    public var maxListLength: Int = 100_000
    /// How deeply a deal's JSON may nest.
    public var maxJSONDepth: Int = 64

    /// The default limits (docs/limits.md).
    public init() {}

    /// The default limits (docs/limits.md).
    public static let `default` = Limits()
}
