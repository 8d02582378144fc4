import type { Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** An HTTP server listening on 127.0.0.1 at a port the system chose. */
export interface LoopbackListener {
  port: number;
  /** Destroys open sockets first: `server.close()` alone waits for keep-alive connections. */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:0 and tracks the server's sockets so that `close` ends at once. The
 * proxies and fake servers the benchmarks and tests stand between a client and a verifier all
 * need exactly this; `beforeClose` stops what else they hold (timers) first.
 */
export async function listenOnLoopback(server: Server, beforeClose?: () => void): Promise<LoopbackListener> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: async () => {
      beforeClose?.();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
