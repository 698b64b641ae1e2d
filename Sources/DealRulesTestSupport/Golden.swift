import Foundation

/// Golden files: text a test produces, compared with a file kept in the repository. With
/// `DEALRULES_RECORD=1` in the environment the file is written instead (review the diff).
public enum Golden {
    /// nil when `actual` is the text of the file at `path` (or was just recorded there); else
    /// why not.
    public static func mismatch(_ path: String, _ actual: String) -> String? {
        if ProcessInfo.processInfo.environment["DEALRULES_RECORD"] == "1" {
            do {
                try actual.write(toFile: path, atomically: true, encoding: .utf8)
                return nil
            } catch {
                return "cannot record \(path): \(error)"
            }
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            return "missing golden file \(path); record it with DEALRULES_RECORD=1"
        }
        guard actual != expected else { return nil }
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
        return "\(path) differs at line \(line + 1):\n  expected: \(line < e.count ? String(e[line]) : "(end)")\n"
            + "  actual:   \(line < a.count ? String(a[line]) : "(end)")"
    }
}
