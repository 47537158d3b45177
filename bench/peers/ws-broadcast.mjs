// A broadcast chat server as a team that would not write C++ builds it: Node.js and the `ws`
// package, every text message sent to every open client, the sender included (as Beast's
// chat-multi does). A peer for the fan-out benchmark, not part of hashchat.
//
//   node bench/peers/ws-broadcast.mjs --port 0 --host 127.0.0.1
//
// Any URL path is accepted. Prints `listening on http://HOST:PORT` once it accepts connections.
import { parseArgs } from 'node:util';
import { WebSocket, WebSocketServer } from 'ws';

const { values } = parseArgs({
    options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '0' },
    },
});

const wss = new WebSocketServer({
    host: values.host,
    port: Number(values.port),
    perMessageDeflate: false,
});

wss.on('connection', (ws) => {
    ws.on('error', (err) => console.error(`client error: ${err.message}`));
    ws.on('message', (data, isBinary) => {
        for (const client of wss.clients) {
            if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
        }
    });
});

wss.on('listening', () => {
    const { address, port } = wss.address();
    console.log(`listening on http://${address}:${port}`);
});

wss.on('error', (err) => {
    console.error(`server error: ${err.message}`);
    process.exit(1);
});

function stop() {
    for (const client of wss.clients) client.terminate();
    wss.close(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
