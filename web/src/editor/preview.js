// The rendered preview of a doc. markdown-it runs with html: false, so raw HTML in a doc
// stays text, and refuses javascript:/vbscript:/data: links; DOMPurify then cleans what
// it produced anyway. This is the only place the app inserts HTML.

import DOMPurify from 'dompurify';
import MarkdownIt from 'markdown-it';

const markdown = new MarkdownIt({ html: false, linkify: true });

const kLinkSchemes = /^(https?:|mailto:)/i;

// Links open outside the app, without telling the target where they came from. A
// relative link means a path in the repository, not in the app, so it is made inert
// rather than left to navigate the app away from the editor.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName !== 'A') return;
  if (!kLinkSchemes.test(node.getAttribute('href') || '')) {
    node.removeAttribute('href');
    return;
  }
  node.setAttribute('target', '_blank');
  node.setAttribute('rel', 'noopener noreferrer');
});

export function renderPreview(root, text) {
  root.innerHTML = DOMPurify.sanitize(markdown.render(text), { USE_PROFILES: { html: true } });
}
