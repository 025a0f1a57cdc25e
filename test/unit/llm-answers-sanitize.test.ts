import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, isSafeArgvToken, safeRelativePath, stripControlChars } from '../../domain/llm/sanitize.js';

describe('safeRelativePath', () => {
  it('normalizes paths that stay inside the workspace', () => {
    assert.deepEqual(safeRelativePath('a/./b'), { ok: true, path: 'a/b' });
    assert.deepEqual(safeRelativePath('a//b/'), { ok: true, path: 'a/b' });
    assert.deepEqual(safeRelativePath('a/../b'), { ok: true, path: 'b' });
    assert.deepEqual(safeRelativePath('src/pkg/mod.py'), { ok: true, path: 'src/pkg/mod.py' });
  });

  it('refuses traversal, absolute, Windows-style and odd paths', () => {
    const attempts = [
      '../../etc/passwd',
      'a/../../b',
      '..',
      '/abs',
      '/etc/passwd',
      'C:\\x',
      'C:/x',
      'a\\b',
      'a\u0000b',
      'a\nb',
      '~/.ssh/id_rsa',
      '',
      '.',
      'a/..',
      'x'.repeat(201),
    ];
    for (const p of attempts) assert.equal(safeRelativePath(p).ok, false, JSON.stringify(p));
  });

  it('says why', () => {
    const result = safeRelativePath('a/../../b');
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /escapes/);
  });
});

describe('escapeHtml', () => {
  it('escapes markup and quotes', () => {
    assert.equal(escapeHtml('<script>alert("x")</script>'), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    assert.equal(escapeHtml(`a & b 'c'`), 'a &amp; b &#39;c&#39;');
    assert.equal(escapeHtml('&lt;'), '&amp;lt;');
  });
});

describe('stripControlChars', () => {
  it('keeps newline and tab, drops other controls and bidi overrides', () => {
    assert.equal(stripControlChars('a\tb\nc'), 'a\tb\nc');
    assert.equal(stripControlChars('a\u0000b\u001b[31mc\u007f\r'), 'ab[31mc');
    assert.equal(stripControlChars('x\u202ey\u2066z\u0085'), 'xyz');
    assert.equal(stripControlChars('héllo ✓'), 'héllo ✓');
  });
});

describe('isSafeArgvToken', () => {
  it('accepts ordinary identifiers', () => {
    for (const s of ['pytest', 'tests/test_app.py', '@scope/pkg', 'numpy==1.26', 'feature_x-1.2', 'a:b,c']) {
      assert.equal(isSafeArgvToken(s), true, s);
    }
  });

  it('refuses options and shell metacharacters', () => {
    const attacks = ['-rf', '--exec=x', '$(id)', '${HOME}', ';rm', 'a;b', '`id`', 'a|b', 'a&b', 'a>b', 'a b', "a'b", 'a"b', '*', 'a\u0000b', 'a\nb', '', 'x'.repeat(201)];
    for (const s of attacks) assert.equal(isSafeArgvToken(s), false, JSON.stringify(s));
  });
});
