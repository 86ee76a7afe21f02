/**
 * Dashboard webview entry: wiring only. Every message from the host is
 * validated and applied to the view state (state.ts), which the view draws
 * (view/); the buttons post control intents back, the history slider its
 * requests for older snapshots.
 */
import { z } from 'zod';
import { DashboardView } from './view/app';
import { addNotices, initialState, receive } from './state';
import { connectHost } from './vscode';
import './styles.css';

// The page runs under a CSP without 'unsafe-eval': keep zod from probing `new Function`.
z.config({ jitless: true });

const host = connectHost();
const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
const view = new DashboardView(root, {
  onControl: (action) => host.post({ type: 'control', action }),
  onApplyFix: (detector, fix) => host.post({ type: 'applyFix', detector, fix }),
  onRequestSnapshot: (step) => host.post({ type: 'requestSnapshot', step }),
  preferences: host.preferences(),
  savePreferences: (p) => host.savePreferences(p),
});

let state = initialState();
view.render(state);

window.addEventListener('message', (event: MessageEvent) => {
  performance.clearMarks();
  performance.clearMeasures();
  performance.mark('gw:arrived');
  // The browser deserialises the message on this first read of event.data.
  const data: unknown = event.data;
  // User-timing entries of the last message only (a long run sends thousands).
  performance.mark('gw:message');
  state = receive(state, data);
  performance.mark('gw:applied');
  try {
    view.render(state);
  } catch (e) {
    // A drawing bug must not take the page down: say so where the user looks.
    state = addNotices(state, [{ level: 'error', message: `dashboard: could not draw: ${String(e)}` }]);
    view.render(state);
  }
  performance.measure('gw:deserialise', 'gw:arrived', 'gw:message');
  performance.measure('gw:receive', 'gw:message', 'gw:applied');
  performance.measure('gw:render', 'gw:applied');
});

host.post({ type: 'ready' });
