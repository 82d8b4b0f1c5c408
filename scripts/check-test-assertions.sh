#!/usr/bin/env bash
# Fails when a swift-testing `@Test` function's body holds no `#expect`, `#require` or
# `Issue.record`: such a test can only fail by throwing, so it may prove nothing (issue 20).
# A test that asserts through a helper is listed in Tests/test-assertions-allowlist.txt, one
# line `File.swift functionName — why it can fail`.
#   scripts/check-test-assertions.sh            (run by scripts/test.sh before the tests)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec python3 - Tests Tests/test-assertions-allowlist.txt <<'PYTHON'
import os, re, sys

root, allowlist_path = sys.argv[1], sys.argv[2]

def code_only(text):
    """The text with comments and string literals blanked (interpolations kept as code), so
    that braces inside strings do not count."""
    out, i, n = [], 0, len(text)
    def skip_string(i, hashes, multiline):
        # i is just past the opening quote(s); returns the index past the closing quote(s).
        close = ('"""' if multiline else '"') + '#' * hashes
        while i < n:
            if text.startswith(close, i):
                return i + len(close)
            if text[i] == '\\' and text.startswith('#' * hashes, i + 1):
                j = i + 1 + hashes
                if j < n and text[j] == '(':
                    depth, j = 1, j + 1
                    start = j
                    while j < n and depth:
                        if text[j] == '"':
                            j = skip_literal(j)
                            continue
                        depth += text[j] == '('
                        depth -= text[j] == ')'
                        j += 1
                    out.append(' ' + code_only(text[start:j - 1]) + ' ')
                    i = j
                    continue
                i = j + 1
                continue
            i += 1
        return n
    def skip_literal(i):
        hashes = 0
        while text[i] == '#':
            hashes += 1
            i += 1
        if text.startswith('"""', i):
            return skip_string(i + 3, hashes, True)
        return skip_string(i + 1, hashes, False)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            i = n if j < 0 else j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            i = n if j < 0 else j + 2
        elif c == '"' or (c == '#' and re.match(r'#+"', text[i:i + 10])):
            i = skip_literal(i)
            out.append('""')
        else:
            out.append(c)
            i += 1
    return ''.join(out)

allowed = {}
if os.path.exists(allowlist_path):
    for line in open(allowlist_path, encoding='utf-8'):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        parts = line.split(None, 2)
        if len(parts) < 3 or not parts[2].lstrip('—- ').strip():
            sys.exit(f'{allowlist_path}: "{line}": needs FILE FUNCTION — REASON')
        allowed[(parts[0], parts[1])] = parts[2]

problems, seen, checked = [], set(), 0
for dirpath, _, files in os.walk(root):
    for name in sorted(files):
        if not name.endswith('.swift'):
            continue
        code = code_only(open(os.path.join(dirpath, name), encoding='utf-8').read())
        for m in re.finditer(r'@Test\b', code):
            f = re.compile(r'\bfunc\s+(\w+)').search(code, m.end())
            if not f:
                continue
            brace = code.find('{', f.end())
            depth, j = 0, brace
            while j < len(code):
                depth += code[j] == '{'
                depth -= code[j] == '}'
                j += 1
                if depth == 0:
                    break
            body = code[brace:j]
            checked += 1
            seen.add((name, f.group(1)))
            if re.search(r'#expect\b|#require\b|Issue\.record\b', body):
                continue
            if (name, f.group(1)) in allowed:
                continue
            problems.append(f'{os.path.join(dirpath, name)}: @Test {f.group(1)} has no #expect, #require or Issue.record')

for key in allowed:
    if key not in seen:
        problems.append(f'{allowlist_path}: {key[0]} {key[1]} is not a @Test any more; remove the line')
if problems:
    print('\n'.join(problems), file=sys.stderr)
    print(f'check-test-assertions: {len(problems)} problem(s); add an assertion, or list the test with a reason in {allowlist_path}', file=sys.stderr)
    sys.exit(1)
print(f'[check-test-assertions] {checked} tests assert something ({len(allowed)} through helpers, listed)')
PYTHON
