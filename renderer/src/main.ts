// Must stay first: configures zod before the contract module (imported by the app) creates its schemas.
import './lib/api/zod-jitless';
import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('#app missing from index.html');
export default mount(App, { target });
