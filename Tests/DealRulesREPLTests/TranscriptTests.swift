import DealRules
import DealRulesTestSupport
import Testing
@testable import DealRulesREPL

/// A salesperson's session on the samples, input by input, exactly as the REPL answers it (no
/// colour): the one-line summaries (what holds already, what is still missing), `:avoid` with
/// its checked changes, `:whatif`, `:missing`, a question typed as a fact, a fact the deal cannot
/// hold, and two facts on one line. The golden file is `Fixtures/northwind-session.txt`.
@Suite struct TranscriptTests {
    static let inputs = [
        "discount = 25%",
        "region = EU",
        "add service \"SIEM\" with seats = 20",
        ":avoid delivery_approval",
        ":avoid deny",
        "sla is gold",
        "sla = gold",
        "services = [\"SIEM\", \"SIEM\"]",
        "add service \"SIEM\" with seats = 25",
        "term = 6 months",
        ":avoid deny",
        "add service \"Endpoint Protecton\" with seats = 10",
        ":avoid delivery_approval",
        "remove service \"Endpoint Protecton\"; add service \"Endpoint Protection\" with seats = 10",
        ":whatif region = US",
        ":missing",
        "start = 2027-01-10; term = 24 months; customer = \"Fabrikam\"",
        "list_price = $100,000",
        "total = $75,000",
        ":avoid finance_approval",
        ":avoid legal_review",
    ]

    @Test func theNorthwindSessionReadsExactly() {
        let s = northwindSession()
        var transcript = ""
        for input in Self.inputs {
            let reply = s.run(input)
            transcript += "deal> \(input)\n" + reply.output + (reply.output.isEmpty ? "" : "\n")
        }
        let file = packageRoot.appendingPathComponent("Tests/DealRulesREPLTests/Fixtures/northwind-session.txt").path
        if let why = Golden.mismatch(file, transcript) { Issue.record(Comment(rawValue: why)) }
    }
}
