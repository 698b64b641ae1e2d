/// The syntax tree, exactly as written: every node keeps the source range that later messages
/// point at. Nothing here is resolved; the checker gives it meaning.

public struct Name: Sendable, Hashable {
    public var text: String
    public var range: SourceRange

    public init(_ text: String, _ range: SourceRange) {
        self.text = text
        self.range = range
    }
}

public enum BinaryOperator: String, Sendable, Hashable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
    case and, or
}

/// Comparison operators keep the spelling the author chose (`is` or `=`); they mean the same.
public enum ComparisonOperator: String, Sendable, Hashable {
    case `is` = "is", equals = "=", isNot = "is not", notEquals = "!="
    case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case `in` = "in", notIn = "not in", contains

    public var isEquality: Bool { self == .is || self == .equals }
    public var isInequality: Bool { self == .isNot || self == .notEquals }
    public var isOrdering: Bool { self == .less || self == .lessEqual || self == .greater || self == .greaterEqual }
}

public enum Quantifier: String, Sendable, Hashable { case any, every, no }

public enum AggregateKind: String, Sendable, Hashable { case count, sum, min, max }

/// A piece of a `because` message: literal text, or `{EXPR}`.
public enum TextSegment: Sendable, Hashable {
    case literal(String)
    case expression(Expr)
}

public struct Expr: Sendable, Hashable {
    public indirect enum Kind: Sendable, Hashable {
        case number(Fixed)
        case money(Fixed)
        case percent(Fixed)
        case duration(Duration)
        case date(Day)
        case text(String)
        case flag(Bool)
        case list([Expr])
        /// `discount`, `service.seats`, or a bare word such as `EU`.
        case path([Name])
        case today
        /// `catalog`, only as the right side of `in` / `not in`.
        case catalog
        case negate(Expr)
        case not(Expr)
        case binary(BinaryOperator, Expr, Expr)
        case compare(ComparisonOperator, Expr, Expr)
        case between(Expr, low: Expr, high: Expr, negated: Bool)
        /// `any service is "SIEM"`: the quantifier, the item variable, the condition.
        case quantified(Quantifier, Name, Expr)
        /// `sum of services.seats where …`
        case aggregate(AggregateKind, [Name], where: Expr?)
        /// Parentheses as written.
        case group(Expr)
        /// A `because` message with `{…}` parts.
        case interpolated([TextSegment])
        /// What the parser leaves where it could not read an expression.
        case invalid
    }

    public var kind: Kind
    public var range: SourceRange
    /// The operator's own range (`not in`, `>`), for messages that point at it.
    public var operatorRange: SourceRange

    public init(_ kind: Kind, _ range: SourceRange, operatorRange: SourceRange? = nil) {
        self.kind = kind
        self.range = range
        self.operatorRange = operatorRange ?? range
    }
}

public struct TypeRef: Sendable, Hashable {
    public var name: Name
    public var isList: Bool
    public var range: SourceRange
}

public struct FieldDecl: Sendable, Hashable {
    public var name: Name
    public var type: TypeRef
    public var defaultValue: Expr?
    public var range: SourceRange
}

public struct CatalogEntry: Sendable, Hashable {
    public var name: String
    public var nameRange: SourceRange
    public var values: [(Name, Expr)]
    public var range: SourceRange

    public static func == (a: CatalogEntry, b: CatalogEntry) -> Bool {
        a.name == b.name && a.range == b.range && a.values.map(\.0) == b.values.map(\.0)
            && a.values.map(\.1) == b.values.map(\.1)
    }

    public func hash(into h: inout Hasher) {
        h.combine(name)
        h.combine(range)
    }
}

public enum OutcomeKind: String, Sendable, Hashable, CaseIterable {
    case require, deny, warn
}

public struct RuleDecl: Sendable, Hashable {
    /// nil for an unnamed rule (named `FILE:LINE` by the checker).
    public var name: Name?
    public var outcome: OutcomeKind
    /// The outcome keyword: where an unnamed rule's name and every outcome's location point.
    public var outcomeRange: SourceRange
    public var approvals: [Name]
    public var condition: Expr
    public var unless: Expr?
    public var because: Expr?
}

/// What a salesperson types in the REPL and a scenario holds.
public enum FactStatement: Sendable, Hashable {
    /// `discount = 25%`, `services = []`
    case set([Name], Expr)
    /// `today = 2026-12-01`
    case today(Expr)
    /// `add service "SIEM" with seats = 20`
    case add(kind: Name, name: String, nameRange: SourceRange, fields: [Assignment])
    /// `remove service "SIEM"`
    case remove(kind: Name, name: String, nameRange: SourceRange)
    /// `unset discount`
    case unset([Name])

    public struct Assignment: Sendable, Hashable {
        public var field: Name
        public var value: Expr
    }
}

public enum DecisionKind: String, Sendable, Hashable, CaseIterable, Comparable {
    case approved
    case needsApproval = "needs_approval"
    case incomplete
    case blocked

    /// blocked > incomplete > needs_approval > approved
    public var severity: Int {
        switch self {
        case .approved: 0
        case .needsApproval: 1
        case .incomplete: 2
        case .blocked: 3
        }
    }

    public static func < (a: DecisionKind, b: DecisionKind) -> Bool { a.severity < b.severity }
}

public struct Expectation: Sendable, Hashable {
    public enum What: Sendable, Hashable {
        case decision(DecisionKind)
        case require(Name)
        case deny
        case warn
        /// A rule's name: a bare name, or text for `FILE:LINE` names.
        case rule(Name)
    }

    public var negated: Bool
    public var what: What
    public var range: SourceRange
}

public enum ScenarioStatement: Sendable, Hashable {
    case fact(FactStatement, SourceRange)
    case expect(Expectation)
}

public struct Declaration: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case choice(name: Name, values: [Name])
        case deal(fields: [FieldDecl])
        case item(name: Name, fields: [FieldDecl])
        case catalog(item: Name, entries: [CatalogEntry])
        case catalogFile(item: Name, path: String, pathRange: SourceRange)
        case approval(name: Name, team: String, teamRange: SourceRange)
        case define(name: Name, value: Expr)
        case include(path: String, pathRange: SourceRange)
        case rule(RuleDecl)
        case scenario(name: String, nameRange: SourceRange, statements: [ScenarioStatement])
    }

    public var kind: Kind
    public var range: SourceRange
}

/// One parsed file: its declarations, its comments (for the formatter) and what went wrong.
public struct SyntaxTree: Sendable {
    public let source: SourceFile
    public var declarations: [Declaration]
    public var comments: [Comment]
    public var diagnostics: [Diagnostic]
}
