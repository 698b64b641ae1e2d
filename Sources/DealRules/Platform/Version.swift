/// The version of dealrules: the library, the CLI and the C interface share it.
public enum DealRulesVersion {
    /// `0.2.0`.
    public static let string = "0.2.0"
}
