import { useApp } from '../app-context';
import { useStore } from '../state/use-store';
import { WebSocketTransport } from '../api/ws-transport';

export function ConnectionBanner() {
  const { session, api } = useApp();
  const c = useStore(session, (s) => s.connection);
  if (c.state === 'open') return null;
  if (c.state === 'connecting') return <div className="conn-banner" data-testid="connection">Connecting to the studio…</div>;
  if (c.state === 'reconnecting')
    return (
      <div className="conn-banner conn-banner--warn" data-testid="connection">
        Connection lost ({c.reason}); reconnecting (attempt {c.attempt})…
      </div>
    );
  const t = api.transport;
  return (
    <div className="conn-banner conn-banner--error" role="alert" data-testid="connection">
      <strong>{c.reason}</strong> {c.hint}{' '}
      {t instanceof WebSocketTransport && (
        <button className="btn btn--small" onClick={() => t.retry()}>
          Try again
        </button>
      )}
    </div>
  );
}
