// The rendered preview of a doc. markdown-it runs with html: false, so raw HTML in a doc
// stays text, and refuses javascript:/vbscript:/data: links; DOMPurify then cleans what
// it produced anyway. This is the only place the app inserts HTML.

import DOMPurify from 'dompurify';
import MarkdownIt from 'markdown-it';

const markdown = new MarkdownIt({ html: false, linkify: true });

// Links leave the app without telling the target where they came from.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') node.setAttribute('rel', 'noopener noreferrer');
});

export function renderPreview(root, text) {
  root.innerHTML = DOMPurify.sanitize(markdown.render(text), { USE_PROFILES: { html: true } });
}
