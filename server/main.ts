import { startDaemon } from "./daemon/startDaemon.js";

/** Entry of dist/server.js: the LSP daemon the extension starts over IPC or stdio. */
startDaemon();
