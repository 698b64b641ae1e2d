"""Debian's Neovim (0.7), started headless with the lines docs/editors.md gives, opens a broken
rule file of the samples and receives the diagnostic from `dealrules lsp`.

The Lua is read from docs/editors.md (its first ```lua block), so the documented lines are the
ones tested.
"""
import os
import pathlib
import re
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("DEALRULES_BIN", str(ROOT / ".build/debug/dealrules"))


@pytest.mark.skipif(shutil.which("nvim") is None, reason="nvim is not installed (scripts/test installs it)")
def test_neovim_receives_the_diagnostic(tmp_path):
    docs = (ROOT / "docs/editors.md").read_text()
    lua = re.search(r"```lua\n(.*?)```", docs, re.S).group(1)
    (tmp_path / "init.lua").write_text(lua)
    # `dealrules` on the PATH, as the docs ask.
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin/dealrules").symlink_to(BIN)
    rules = tmp_path / "northwind"
    shutil.copytree(ROOT / "samples/northwind", rules)
    pricing = rules / "pricing.rules"
    pricing.write_text(pricing.read_text().replace("require finance_approval when discount > 20%",
                                                   "require finance_aproval when discount > 20%", 1))
    out = tmp_path / "diagnostics.txt"
    report = (
        "lua local ok = vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 50);"
        f" local f = io.open('{out}', 'w');"
        " for _, d in ipairs(vim.diagnostic.get(0)) do"
        "   f:write(d.lnum .. ':' .. d.col .. ':' .. tostring(d.code) .. ':' .. d.message .. '\\n') end;"
        " f:close()"
    )
    env = dict(os.environ, PATH=f"{tmp_path / 'bin'}:{os.environ['PATH']}", XDG_CONFIG_HOME=str(tmp_path),
               XDG_DATA_HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path))
    subprocess.run(["nvim", "--headless", "-u", str(tmp_path / "init.lua"), "pricing.rules", "-c", report, "-c", "qa!"],
                   cwd=rules, env=env, timeout=60, check=True, capture_output=True)
    lines = out.read_text().splitlines()
    assert "3:10:check.unknown-approval:unknown approval `finance_aproval`" in lines, lines
