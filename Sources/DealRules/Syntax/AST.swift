/// The syntax tree, exactly as written: every node keeps the source range that later messages
/// point at. Nothing here is resolved; the checker gives it meaning.

package struct Name: Sendable, Hashable {
    package var text: String
    package var range: SourceRange

    package init(_ text: String, _ range: SourceRange) {
        self.text = text
        self.range = range
    }
}

package enum BinaryOperator: String, Sendable, Hashable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
    case and, or
}

/// Comparison operators keep the spelling the author chose (`is` or `=`); they mean the same.
package enum ComparisonOperator: String, Sendable, Hashable {
    case `is` = "is", equals = "=", isNot = "is not", notEquals = "!="
    case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case `in` = "in", notIn = "not in", contains

    package var isEquality: Bool { self == .is || self == .equals }
    package var isInequality: Bool { self == .isNot || self == .notEquals }
    package var isOrdering: Bool { self == .less || self == .lessEqual || self == .greater || self == .greaterEqual }
}

package enum Quantifier: String, Sendable, Hashable { case any, every, no }

package enum AggregateKind: String, Sendable, Hashable { case count, sum, min, max }

/// A piece of a `because` message: literal text, or `{EXPR}`.
package enum TextSegment: Sendable, Hashable {
    case literal(String)
    case expression(Expr)
}

package struct Expr: Sendable, Hashable {
    /// Only the cases that hold an expression are boxed (`indirect`): a leaf (a number, a
    /// path) is stored in place, so most of a rule's expressions are not allocations of their own.
    package enum Kind: Sendable, Hashable {
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
        indirect case negate(Expr)
        indirect case not(Expr)
        indirect case binary(BinaryOperator, Expr, Expr)
        indirect case compare(ComparisonOperator, Expr, Expr)
        indirect case between(Expr, low: Expr, high: Expr, negated: Bool)
        /// `any service is "SIEM"`: the quantifier, the item variable, the condition.
        indirect case quantified(Quantifier, Name, Expr)
        /// `sum of services.seats where …`
        indirect case aggregate(AggregateKind, [Name], where: Expr?)
        /// Parentheses as written.
        indirect case group(Expr)
        /// A `because` message with `{…}` parts.
        case interpolated([TextSegment])
        /// What the parser leaves where it could not read an expression.
        case invalid
    }

    package var kind: Kind
    package var range: SourceRange
    /// The operator's own range (`not in`, `>`), for messages that point at it.
    package var operatorRange: SourceRange

    package init(_ kind: Kind, _ range: SourceRange, operatorRange: SourceRange? = nil) {
        self.kind = kind
        self.range = range
        self.operatorRange = operatorRange ?? range
    }
}

package struct TypeRef: Sendable, Hashable {
    package var name: Name
    package var isList: Bool
    package var range: SourceRange
}

package struct FieldDecl: Sendable, Hashable {
    package var name: Name
    package var type: TypeRef
    package var defaultValue: Expr?
    package var range: SourceRange
}

package struct CatalogEntry: Sendable, Hashable {
    package var name: String
    package var nameRange: SourceRange
    package var values: [(Name, Expr)]
    package var range: SourceRange

    package static func == (a: CatalogEntry, b: CatalogEntry) -> Bool {
        a.name == b.name && a.range == b.range && a.values.map(\.0) == b.values.map(\.0)
            && a.values.map(\.1) == b.values.map(\.1)
    }

    package func hash(into h: inout Hasher) {
        h.combine(name)
        h.combine(range)
    }
}

/// What a rule does when it fires: requires approvals, blocks the deal, or warns.
public enum OutcomeKind: String, Sendable, Hashable, CaseIterable {
    case require, deny, warn
}

package struct RuleDecl: Sendable, Hashable {
    /// nil for an unnamed rule (named `FILE:LINE` by the checker).
    package var name: Name?
    package var outcome: OutcomeKind
    /// The outcome keyword: where an unnamed rule's name and every outcome's location point.
    package var outcomeRange: SourceRange
    package var approvals: [Name]
    package var condition: Expr
    package var unless: Expr?
    package var because: Expr?
}

/// What a salesperson types in the REPL and a scenario holds.
package enum FactStatement: Sendable, Hashable {
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

    package struct Assignment: Sendable, Hashable {
        package var field: Name
        package var value: Expr
    }
}

/// The decision on a deal, from least to most severe: `approved` (warnings allowed),
/// `needs_approval` (a `require` fired), `incomplete` (a `deny` or `require` is undetermined:
/// facts are missing), `blocked` (a `deny` fired). The raw values are the JSON's.
public enum DecisionKind: String, Sendable, Hashable, CaseIterable, Comparable {
    case approved
    case needsApproval = "needs_approval"
    case incomplete
    case blocked

    /// blocked > incomplete > needs_approval > approved
    package var severity: Int {
        switch self {
        case .approved: 0
        case .needsApproval: 1
        case .incomplete: 2
        case .blocked: 3
        }
    }

    /// Less severe: `approved` < `needs_approval` < `incomplete` < `blocked`.
    public static func < (a: DecisionKind, b: DecisionKind) -> Bool { a.severity < b.severity }
}

package struct Expectation: Sendable, Hashable {
    package enum What: Sendable, Hashable {
        case decision(DecisionKind)
        case require(Name)
        case deny
        case warn
        /// A rule's name: a bare name, or text for `FILE:LINE` names.
        case rule(Name)
    }

    package var negated: Bool
    package var what: What
    package var range: SourceRange
}

package enum ScenarioStatement: Sendable, Hashable {
    case fact(FactStatement, SourceRange)
    case expect(Expectation)
}

package struct Declaration: Sendable, Hashable {
    package enum Kind: Sendable, Hashable {
        case choice(name: Name, values: [Name])
        case deal(fields: [FieldDecl])
        case item(name: Name, fields: [FieldDecl])
        case catalog(item: Name, entries: [CatalogEntry])
        case catalogFile(item: Name, path: String, pathRange: SourceRange)
        case approval(name: Name, team: String, teamRange: SourceRange)
        case define(name: Name, value: Expr)
        case include(path: String, pathRange: SourceRange)
        /// Boxed: a rule set is mostly rules, and its declarations are copied from the parser to
        /// the loader to the checker's parts; a boxed rule is copied with one retain, not one
        /// per part of it.
        indirect case rule(RuleDecl)
        case scenario(name: String, nameRange: SourceRange, statements: [ScenarioStatement])
    }

    package var kind: Kind
    package var range: SourceRange
}

/// One parsed file: its declarations, its comments (for the formatter) and what went wrong.
package struct SyntaxTree: Sendable {
    package let source: SourceFile
    package var declarations: [Declaration]
    package var comments: [Comment]
    package var diagnostics: [Diagnostic]
}

extension SyntaxTree {
    /// A file's tree from the pieces it was parsed in, in order.
    init(_ source: SourceFile, pieces: [Parser.Piece]) {
        // In a whole parse, the lexer's messages come before the parser's.
        self.init(source: source, declarations: pieces.count == 1 ? pieces[0].declarations : pieces.flatMap(\.declarations),
                  comments: pieces.flatMap(\.comments), diagnostics: pieces.flatMap(\.lexed) + pieces.flatMap(\.parsed))
    }
}
