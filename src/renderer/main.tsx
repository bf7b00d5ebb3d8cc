import { createRoot } from 'react-dom/client';
import { StrictMode } from 'react';
import './styles.css';
import { createApiClient } from './api/client';
import { App, BootError } from './components/App';

const root = createRoot(document.getElementById('root')!);
const { client, error } = createApiClient();
root.render(<StrictMode>{client ? <App api={client} /> : <BootError message={error!.message} hint={error!.hint} />}</StrictMode>);
