import { createServer } from 'node:net'

/**
 * A free loopback port for a sandbox server, chosen below Linux's ephemeral range (32768–60999).
 * The port is released before the server that needs it binds it; anything asking the kernel for "any
 * port" (port 0 listeners, every outgoing connection) draws from the ephemeral range, so it cannot
 * take the port in between, as it once did when tests ran next to the sandbox.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    if (await canBind(port)) return port
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1')
}

/** Whether a loopback port can be bound now (a stopped server's ports take a moment to free). */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}
