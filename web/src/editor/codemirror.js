// The editor chunk, loaded only when a doc is opened: CodeMirror 6 in markdown mode and
// the preview renderer.
//
// The editor lives in a shadow root. CodeMirror styles itself at run time; in a document
// it writes a <style> element, which `style-src 'self'` blocks (and a nonce would need a
// server-rendered page), while in a shadow root it uses a constructed style sheet
// (adoptedStyleSheets), which the policy does not govern.

import { markdown } from '@codemirror/lang-markdown';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';

export { renderPreview } from './preview.js';

/**
 * A markdown editor in `parent`. onChange(text) after each edit. Returns
 * {text(), setText(text), setReadOnly(bool), focus(), destroy()}.
 */
export function createEditor(host, { text, readOnly, onChange }) {
  const shadow = host.shadowRoot || host.attachShadow({ mode: 'open' });
  const parent = document.createElement('div');
  shadow.replaceChildren(parent);
  const editable = new Compartment();
  const lock = (ro) => [EditorState.readOnly.of(ro), EditorView.editable.of(!ro)];
  const view = new EditorView({
    parent,
    root: shadow,
    state: EditorState.create({
      doc: text,
      extensions: [
        basicSetup,
        markdown(),
        EditorView.lineWrapping,
        EditorView.theme({ '&': { minHeight: '60vh', backgroundColor: '#fff' }, '.cm-scroller': { minHeight: '60vh' } }),
        editable.of(lock(readOnly)),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    text: () => view.state.doc.toString(),
    setText: (next) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next } }),
    setReadOnly: (ro) => view.dispatch({ effects: editable.reconfigure(lock(ro)) }),
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}
