"""`dealrules lsp` end to end, driven by a real client (pytest-lsp, over stdio).

Run by scripts/test:  DEALRULES_BIN=.build/debug/dealrules pytest Tests/lsp
Each test works on its own copy of samples/northwind, opened as the workspace folder.
"""
import asyncio
import os
import pathlib
import shutil
import subprocess

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("DEALRULES_BIN", str(ROOT / ".build/debug/dealrules"))


@pytest.fixture
def workspace(tmp_path):
    shutil.copytree(ROOT / "samples/northwind", tmp_path / "northwind")
    return tmp_path / "northwind"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[BIN, "lsp"]))
async def client(lsp_client: LanguageClient, workspace):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                text_document=types.TextDocumentClientCapabilities(
                    publish_diagnostics=types.PublishDiagnosticsClientCapabilities(related_information=True, data_support=True),
                    code_action=types.CodeActionClientCapabilities(
                        code_action_literal_support=types.ClientCodeActionLiteralOptions(
                            code_action_kind=types.ClientCodeActionKindOptions(value_set=[types.CodeActionKind.QuickFix]))),
                ),
                workspace=types.WorkspaceClientCapabilities(workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=False)),
            ),
            root_uri=workspace.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="northwind")],
        )
    )
    lsp_client.workspace_path = workspace
    yield
    await lsp_client.shutdown_session()


def uri(client, name):
    return (client.workspace_path / name).as_uri()


def open_file(client, name, text=None, version=1):
    path = client.workspace_path / name
    text = path.read_text() if text is None else text
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=path.as_uri(), language_id="dealrules", version=version, text=text)))
    return text


async def diagnostics_for(client, name, predicate, timeout=15):
    """Waits until the diagnostics published for a file satisfy `predicate`."""
    target = uri(client, name)

    async def wait():
        while True:
            if target in client.diagnostics and predicate(client.diagnostics[target]):
                return client.diagnostics[target]
            await client.wait_for_notification("textDocument/publishDiagnostics")

    return await asyncio.wait_for(wait(), timeout)


def position_of(text, needle, offset=0):
    """The protocol position (UTF-16) of `needle` in `text`, plus `offset` characters."""
    at = text.index(needle) + offset
    line = text.count("\n", 0, at)
    column = at - (text.rfind("\n", 0, at) + 1)
    return types.Position(line=line, character=len(text[at - column:at].encode("utf-16-le")) // 2)


def replace_all(client, name, text, version):
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri(client, name), version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


# MARK: Diagnostics


@pytest.mark.asyncio
async def test_a_typo_is_underlined_and_cleared_when_fixed(client: LanguageClient):
    text = (client.workspace_path / "pricing.rules").read_text()
    broken = text.replace("require finance_approval when discount > 20%", "require finance_aproval when discount > 20%", 1)
    open_file(client, "pricing.rules", broken)
    found = await diagnostics_for(client, "pricing.rules", lambda ds: any(d.code == "check.unknown-approval" for d in ds))
    d = next(d for d in found if d.code == "check.unknown-approval")
    start = position_of(broken, "finance_aproval")
    assert d.range.start == start
    assert d.range.end.character == start.character + len("finance_aproval")
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.message == "unknown approval `finance_aproval`"
    assert any("did you mean `finance_approval`?" in r.message for r in d.related_information)
    # The quick fix the help names.
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri(client, "pricing.rules")), range=d.range,
        context=types.CodeActionContext(diagnostics=[d])))
    assert len(actions) == 1 and actions[0].title == "Change `finance_aproval` to `finance_approval`"
    edit = actions[0].edit.changes[uri(client, "pricing.rules")][0]
    assert edit.range == d.range and edit.new_text == "finance_approval"
    # Fixed (by an incremental change of just that word): the diagnostics go away.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri(client, "pricing.rules"), version=2),
        content_changes=[types.TextDocumentContentChangePartial(range=d.range, text="finance_approval")]))
    await diagnostics_for(client, "pricing.rules", lambda ds: len(ds) == 0)


@pytest.mark.asyncio
async def test_a_half_typed_rule_and_a_file_elsewhere(client: LanguageClient):
    text = (client.workspace_path / "pricing.rules").read_text() + "\nrule half:\n  require finance_approval when discount >\n"
    open_file(client, "pricing.rules", text)
    found = await diagnostics_for(client, "pricing.rules", lambda ds: len(ds) > 0)
    assert found[0].code == "syntax.expected-expression"
    assert found[0].range.start.line >= text.count("\n") - 2


@pytest.mark.asyncio
async def test_analysis_findings_follow_a_save(client: LanguageClient):
    text = (client.workspace_path / "pricing.rules").read_text() + "\nrule never:\n  warn when discount > 50% and discount < 10%\n"
    open_file(client, "pricing.rules", text)
    (client.workspace_path / "pricing.rules").write_text(text)
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri(client, "pricing.rules"))))
    found = await diagnostics_for(client, "pricing.rules", lambda ds: any(d.code == "analysis.never-fires" for d in ds))
    d = next(d for d in found if d.code == "analysis.never-fires")
    assert d.severity == types.DiagnosticSeverity.Warning
    assert d.range.start.line == text.count("\n") - 1


# MARK: Completion


async def complete(client, name, text, needle, offset=None):
    open_file(client, name, text)
    position = position_of(text, needle, len(needle) if offset is None else offset)
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri(client, name)), position=position))
    return [i.label for i in result.items], result.items


@pytest.mark.asyncio
async def test_completion_in_context(client: LanguageClient):
    base = (client.workspace_path / "pricing.rules").read_text()
    # A keyword where a declaration can start.
    labels, _ = await complete(client, "pricing.rules", base + "\nru", "\nru")
    assert "rule" in labels and "define" in labels and "discount" not in labels
    # Fields and defines after `when`.
    labels, _ = await complete(client, "pricing.rules", base + "\nrule x:\n  deny when \n", "deny when ")
    assert {"discount", "term", "region"} <= set(labels) and "any" in labels and "finance_approval" not in labels
    # A choice's values after `FIELD is`.
    labels, _ = await complete(client, "pricing.rules", base + "\nrule x:\n  deny when region is \n", "region is ")
    assert labels == ["US", "EU", "UK", "APAC"]
    # Catalog names inside quotes after `service is`.
    text = base + '\nrule x:\n  deny when service is "SI\n'
    labels, items = await complete(client, "pricing.rules", text, 'service is "SI')
    assert "SIEM" in labels and "Managed Backup" in labels
    siem = next(i for i in items if i.label == "SIEM")
    assert siem.text_edit.new_text == 'SIEM"'
    # An item's fields after `service.`.
    labels, _ = await complete(client, "pricing.rules", base + "\nrule x:\n  deny when service.\n", "service.")
    assert {"seats", "lead_time", "regions", "name"} <= set(labels) and "discount" not in labels
    # Approvals after `require`, and after a comma.
    labels, _ = await complete(client, "pricing.rules", base + "\nrule x:\n  require finance_approval, \n", "finance_approval, ")
    assert {"finance_approval", "security_review", "exec_approval"} <= set(labels) and "discount" not in labels
    # Files inside `include "`.
    labels, _ = await complete(client, "pricing.rules", base + '\ninclude "\n', 'include "')
    assert "shared/defines.rules" in labels and "pricing.rules" not in labels
    # A scenario's expectation.
    labels, _ = await complete(client, "pricing.rules", base + '\nscenario "s" {\n  expect \n}\n', "  expect ")
    assert {"approved", "needs_approval", "blocked", "require"} <= set(labels)


# MARK: Hover, definition, references, symbols


async def hover(client, name, text, needle, offset=1):
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri(client, name)), position=position_of(text, needle, offset)))
    return result.contents.value if result else None


@pytest.mark.asyncio
async def test_hover(client: LanguageClient):
    pricing = open_file(client, "pricing.rules")
    await diagnostics_for(client, "pricing.rules", lambda ds: True, timeout=5) if False else await asyncio.sleep(0)
    # Wait for the first check (the scenarios run with it).
    for _ in range(100):
        value = await hover(client, "pricing.rules", pricing, "rule deep_discount", 6)
        if value and "scenario" in value and "not run" not in value:
            break
        await asyncio.sleep(0.1)
    assert "require finance_approval when discount > 20%" in value
    assert 'fires in scenario' in value and '"a deep discount needs Finance"' in value
    value = await hover(client, "pricing.rules", pricing, "finance_approval")
    assert 'approval finance_approval: "Finance"' in value and "`deep_discount`" in value and "declarations.rules:" in value
    value = await hover(client, "pricing.rules", pricing, "discount > 20%")
    assert "discount: percent" in value
    declarations = open_file(client, "declarations.rules")
    value = await hover(client, "declarations.rules", declarations, "region: region", 10)
    assert "choice region: US, EU, UK, APAC" in value


@pytest.mark.asyncio
async def test_hover_on_a_rule_no_scenario_covers(client: LanguageClient):
    text = (client.workspace_path / "pricing.rules").read_text() + "\nrule lonely:\n  warn when discount > 99%\n"
    (client.workspace_path / "pricing.rules").write_text(text)
    open_file(client, "pricing.rules", text)
    for _ in range(100):
        value = await hover(client, "pricing.rules", text, "rule lonely", 6)
        if value and "not run" not in value:
            break
        await asyncio.sleep(0.1)
    assert "no scenario covers it" in value


@pytest.mark.asyncio
async def test_definition_and_references(client: LanguageClient):
    pricing = open_file(client, "pricing.rules")
    await asyncio.sleep(0.5)
    found = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=uri(client, "pricing.rules")), position=position_of(pricing, "finance_approval", 2)))
    assert len(found) == 1 and found[0].uri == uri(client, "declarations.rules")
    declarations = (client.workspace_path / "declarations.rules").read_text()
    assert found[0].range.start == position_of(declarations, "finance_approval")
    refs = await client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri=uri(client, "pricing.rules")), position=position_of(pricing, "finance_approval", 2),
        context=types.ReferenceContext(include_declaration=True)))
    files = {r.uri.rsplit("/", 2)[-1] for r in refs}
    assert {"pricing.rules", "declarations.rules"} <= files
    assert any(r.uri.endswith("scenarios/pricing.rules") for r in refs)
    # A catalog name goes to its row in the spreadsheet.
    scenarios = open_file(client, "scenarios/security.rules")
    needle = '"SIEM"'
    found = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=uri(client, "scenarios/security.rules")), position=position_of(scenarios, needle, 2)))
    assert found and found[0].uri == uri(client, "catalog.csv") and found[0].range.start.line == 3
    # Hovering it shows its row.
    value = await hover(client, "scenarios/security.rules", scenarios, needle, 2)
    assert '"SIEM"' in value and "lead_time: 30 days" in value and "catalog.csv:4" in value
    # An include goes to the file it names.
    delivery = open_file(client, "delivery.rules")
    found = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=uri(client, "delivery.rules")),
        position=position_of(delivery, '"shared/defines.rules"', 3)))
    assert found and found[0].uri == uri(client, "shared/defines.rules")
    # An item kind: from a quantifier to its declaration.
    security = open_file(client, "security.rules")
    found = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=uri(client, "security.rules")),
        position=position_of(security, "any service", 5)))
    declarations = (client.workspace_path / "declarations.rules").read_text()
    assert found and found[0].uri == uri(client, "declarations.rules") and found[0].range.start == position_of(declarations, "service {")


@pytest.mark.asyncio
async def test_symbols(client: LanguageClient):
    open_file(client, "declarations.rules")
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=uri(client, "declarations.rules"))))
    names = [s.name for s in symbols]
    assert "deal" in names and "service" in names and "finance_approval" in names and "region" in names
    deal = next(s for s in symbols if s.name == "deal")
    assert "discount" in [c.name for c in deal.children]
    await asyncio.sleep(0.5)
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="deep_disc"))
    assert "deep_discount" in [s.name for s in found]


# MARK: Formatting, code lens


@pytest.mark.asyncio
async def test_formatting_matches_fmt(client: LanguageClient):
    text = "rule  x :\n    deny   when discount>50%\n# kept\n"
    path = client.workspace_path / "extra.rules"
    path.write_text(text)
    open_file(client, "extra.rules", text)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=types.TextDocumentIdentifier(uri=uri(client, "extra.rules")),
        options=types.FormattingOptions(tab_size=2, insert_spaces=True)))
    expected = subprocess.run([BIN, "fmt", str(path)], capture_output=True, text=True, check=True).stdout
    assert len(edits) == 1 and edits[0].new_text == expected and "# kept" in expected
    # A file that does not parse is not formatted, and says why.
    open_file(client, "extra.rules", "rule x:\n  deny when (\n", version=2)
    with pytest.raises(Exception, match="does not parse"):
        await client.text_document_formatting_async(types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri(client, "extra.rules")),
            options=types.FormattingOptions(tab_size=2, insert_spaces=True)))


@pytest.mark.asyncio
async def test_scenario_lens_and_command(client: LanguageClient):
    text = open_file(client, "scenarios/pricing.rules")
    for _ in range(100):
        lenses = await client.text_document_code_lens_async(types.CodeLensParams(
            text_document=types.TextDocumentIdentifier(uri=uri(client, "scenarios/pricing.rules"))))
        if lenses and "not run" not in lenses[0].command.title:
            break
        await asyncio.sleep(0.1)
    assert len(lenses) == text.count("\nscenario ")
    assert all(l.command.title == "▶ run · passed" for l in lenses)
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=lenses[0].command.command, arguments=lenses[0].command.arguments))
    assert result["passed"] is True and result["decision"] == "approved"


# MARK: Robustness


@pytest.mark.asyncio
async def test_unknown_method_cancel_and_deleted_file(client: LanguageClient):
    with pytest.raises(Exception, match="not a method"):
        await client.protocol.send_request_async("dealrules/nonsense", {})
    # A request cancelled at once: answered (a result or RequestCancelled), and the server goes on.
    text = open_file(client, "pricing.rules")
    params = types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri(client, "pricing.rules")),
                               position=position_of(text, "finance_approval"))
    # (pygls sends no `$/cancelRequest` of its own: the test sends it right after the request.)
    answer = asyncio.wrap_future(client.protocol.send_request("textDocument/hover", params, msg_id=4242))
    client.protocol.notify("$/cancelRequest", types.CancelParams(id=4242))
    try:
        assert (await answer) is not None
    except Exception as e:
        assert "cancelled" in str(e)
    assert await client.text_document_hover_async(params) is not None
    # A file deleted under the server: its diagnostics go, the others stay right.
    (client.workspace_path / "security.rules").unlink()
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=uri(client, "security.rules"), type=types.FileChangeType.Deleted)]))
    await asyncio.sleep(1)
    assert await client.text_document_hover_async(params) is not None
