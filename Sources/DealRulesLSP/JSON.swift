import DealRules

/// Builds an object from members whose value may be missing (a nil member is left out): how
/// the server writes its answers.
package func object(_ members: (String, JSON?)...) -> JSON {
    .object(members.compactMap { key, value in value.map { (key, $0) } })
}
