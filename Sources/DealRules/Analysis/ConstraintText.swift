/// Constraints written back the way a rule would write them: `discount > 15% and discount <=
/// 20%`, `region in [EU, APAC]`, `service not in catalog`, `rush`.
struct ConstraintText {
    let choices: [ChoiceInfo]

    /// `fact`'s constraint `c` (of type `type`); `catalog` names the catalog's entries when
    /// `fact` is an item's name.
    func text(_ fact: String, _ c: Constraint, type: ValueType, catalog: Set<String>? = nil) -> String {
        guard let domain = AnalysisDomain(type, choices: choices) else { return fact }
        if c.isEmpty { return "\(fact) not given" }
        if c == domain.full { return "\(fact) given" }
        switch c {
        case .range(let lo, let hi):
            return range(fact, lo, hi, type: type)
        case .set(let mask):
            guard case .choice(let ch) = type else { return mask & 0b10 != 0 ? fact : "not \(fact)" }
            let values = choices[ch].values.indices.filter { mask & (1 << UInt64($0)) != 0 }.map { choices[ch].values[$0] }
            return values.count == 1 ? "\(fact) is \(values[0])" : "\(fact) in [\(values.joined(separator: ", "))]"
        case .only(let s):
            if let catalog, s == catalog { return "\(fact) in catalog" }
            let quoted = s.sorted().map(ValueText.quoted)
            return quoted.count == 1 ? "\(fact) is \(quoted[0])" : "\(fact) in [\(quoted.joined(separator: ", "))]"
        case .except(let s):
            if let catalog, s == catalog { return "\(fact) not in catalog" }
            let quoted = s.sorted().map(ValueText.quoted)
            return quoted.count == 1 ? "\(fact) is not \(quoted[0])" : "\(fact) not in [\(quoted.joined(separator: ", "))]"
        }
    }

    /// `discount > 15% and discount <= 20%`: a bound one millionth past a rounder number reads
    /// better as a strict comparison.
    func range(_ fact: String, _ lo: Int64, _ hi: Int64, type: ValueType) -> String {
        guard case .ordered(let dlo, let dhi)? = AnalysisDomain(type, choices: choices) else { return fact }
        if lo == hi { return "\(fact) is \(value(lo, type: type))" }
        let fine = type == .number || type == .money || type == .percent
        var parts: [String] = []
        if lo > dlo {
            parts.append(fine && (lo - 1) % 10_000 == 0 && lo % 10_000 != 0
                ? "\(fact) > \(value(lo - 1, type: type))" : "\(fact) >= \(value(lo, type: type))")
        }
        if hi < dhi {
            parts.append(fine && (hi + 1) % 10_000 == 0 && hi % 10_000 != 0
                ? "\(fact) < \(value(hi + 1, type: type))" : "\(fact) <= \(value(hi, type: type))")
        }
        return parts.joined(separator: " and ")
    }

    /// A value of an ordered type, as the language writes it.
    func value(_ n: Int64, type: ValueType) -> String {
        switch type {
        case .date: Day(number: Int32(clamping: n)).description
        case .duration: Self.duration(measure: n).description
        case .money: Fixed(raw: n).moneyText
        case .percent: Fixed(raw: n).percentText
        default: Fixed(raw: n).formatted()
        }
    }

    /// A duration of the given length (twelfths of a day): days alone when it is whole days,
    /// else the fewest months that make the rest whole days.
    static func duration(measure: Int64) -> Duration {
        for m in Int64(0)..<12 {
            let rest = measure - m * 365
            if rest % 12 == 0, let d = Int32(exactly: rest / 12) { return Duration(months: Int32(m), days: d) }
        }
        return Duration()
    }
}
