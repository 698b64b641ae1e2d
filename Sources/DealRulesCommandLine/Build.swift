import DealRules

/// What this program was built from, for `--version`.
///
/// `scripts/package` writes the commit into its copy of this file (in `.build-package/src`)
/// before a packaged build; any other build (`swift build`, the tests) says `unknown`.
public enum Build {
    /// The commit a packaged build was made from (a short hash, `-dirty` when the tree had
    /// changes), or `unknown`.
    public static let commit = "unknown"

    /// `0.2.0 (commit 1a2b3c4)`: what `dealrules --version` and `dealrules-server --version` print.
    public static let versionLine = "\(DealRulesVersion.string) (commit \(commit))"
}
