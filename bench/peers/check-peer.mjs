// Checks that the benchmark's peer servers broadcast as expected: starts one on a free loopback
// port, connects 3 clients, sends a text message from one and a burst of 100 from another, and
// checks that every client receives each exactly once, in order, as text. Not part of scripts/test.
//
//   node bench/peers/check-peer.mjs [ws-broadcast | chat-multi | chat-multi:THREADS]...
//
// With no argument: ws-broadcast, chat-multi with 1 thread and with 2. chat-multi must be built
// first (bench/peers/build-chat-multi).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const HOST = '127.0.0.1';
const CLIENTS = 3;
const BURST = 100;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function within(ms, promise, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function freePort() {
    const server = net.createServer().listen(0, HOST);
    await once(server, 'listening');
    const { port } = server.address();
    server.close();
    await once(server, 'close');
    return port;
}

async function tcpConnects(port) {
    return new Promise((resolve) => {
        const socket = net.connect(port, HOST);
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
    });
}

function spawnLogged(command, args) {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.output = '';
    child.stdout.on('data', (d) => (child.output += d));
    child.stderr.on('data', (d) => (child.output += d));
    child.exited = once(child, 'exit');
    child.on('error', (err) => (child.output += `${err.message}\n`));
    return child;
}

// Each start returns { child, port, cleanup }.
const peers = {
    async 'ws-broadcast'() {
        const child = spawnLogged(process.execPath, [
            path.join(HERE, 'ws-broadcast.mjs'), '--host', HOST, '--port', '0',
        ]);
        for (let i = 0; i < 100; i++) {
            const m = child.output.match(/listening on http:\/\/[^:]+:(\d+)/);
            if (m) return { child, port: Number(m[1]) };
            if (child.exitCode !== null) break;
            await sleep(50);
        }
        child.kill('SIGKILL');
        throw new Error(`ws-broadcast did not start:\n${child.output}`);
    },
    // chat-multi prints nothing when ready and cannot report a port chosen by the kernel: take a
    // free port, then wait until a TCP connect succeeds. A failed bind is only logged ("bind: ...")
    // and the process keeps running, so watch the output too.
    async 'chat-multi'(threads = 1) {
        const bin = path.join(ROOT, 'build/peers/chat-multi');
        if (!existsSync(bin)) throw new Error(`${bin} is missing: run bench/peers/build-chat-multi`);
        const docRoot = mkdtempSync(path.join(tmpdir(), 'chat-multi-root-'));
        const cleanup = () => rmSync(docRoot, { recursive: true, force: true });
        const port = await freePort();
        const child = spawnLogged(bin, [HOST, String(port), docRoot, String(threads)]);
        for (let i = 0; i < 100; i++) {
            if (child.output.length > 0 || child.exitCode !== null) break;
            if (await tcpConnects(port)) return { child, port, cleanup };
            await sleep(50);
        }
        child.kill('SIGKILL');
        cleanup();
        throw new Error(`chat-multi did not start on port ${port}:\n${child.output}`);
    },
};

async function connect(port, i) {
    const ws = new WebSocket(`ws://${HOST}:${port}/`, { perMessageDeflate: false });
    ws.received = [];
    ws.on('message', (data, isBinary) => ws.received.push({ text: data.toString(), isBinary }));
    await within(5000, once(ws, 'open'), `client ${i} open`);
    return ws;
}

async function waitFor(predicate, what) {
    for (let i = 0; i < 200; i++) {
        if (predicate()) return;
        await sleep(10);
    }
    throw new Error(`timed out: ${what}`);
}

// Both peers echo to the sender, and a server adds a client to its room before reading from it,
// so a client that received its own message is in the room.
async function join(clients) {
    clients.forEach((ws, i) => ws.send(`join ${i}`));
    await waitFor(
        () => clients.every((ws, i) => ws.received.some((m) => m.text === `join ${i}`)),
        'every client receives its own join message (does the server echo to the sender?)',
    );
}

function check(clients, expected, what) {
    const problems = [];
    clients.forEach((ws, i) => {
        const got = ws.received.filter((m) => expected.includes(m.text));
        if (got.some((m) => m.isBinary)) problems.push(`client ${i} got binary frames`);
        const texts = got.map((m) => m.text);
        if (JSON.stringify(texts) !== JSON.stringify(expected)) {
            problems.push(`client ${i} got ${texts.length} of ${expected.length} (${what})` +
                (texts.length === expected.length ? ', out of order' : ''));
        }
    });
    return problems;
}

async function checkPeer(name, threads) {
    const label = threads ? `${name} (${threads} thread${threads > 1 ? 's' : ''})` : name;
    const { child, port, cleanup } = await peers[name](threads);
    const problems = [];
    try {
        const clients = [];
        for (let i = 0; i < CLIENTS; i++) clients.push(await connect(port, i));
        await join(clients);

        const one = [`hello from client 0 ${Date.now()}`];
        clients[0].send(one[0]);
        await waitFor(() => clients.every((ws) => ws.received.some((m) => m.text === one[0])),
            'all clients receive the message').catch(() => {});
        const burst = Array.from({ length: BURST }, (_, k) => `burst ${k} from client 1`);
        for (const text of burst) clients[1].send(text);
        await waitFor(() => clients.every((ws) => ws.received.some((m) => m.text === burst.at(-1))),
            'all clients receive the burst').catch(() => {});
        await sleep(200); // duplicates, if any, would arrive here
        problems.push(...check(clients, one, 'one message'), ...check(clients, burst, 'burst'));

        for (const ws of clients) ws.close();
        await within(5000, Promise.all(clients.map((ws) => once(ws, 'close'))), 'clients close');
    } finally {
        child.kill('SIGTERM');
        const [code, signal] = await within(5000, child.exited, `${label} exits on SIGTERM`)
            .catch((err) => (child.kill('SIGKILL'), problems.push(err.message), [null, 'SIGKILL']));
        if (code !== 0 && signal !== 'SIGKILL') problems.push(`exit code ${code}, signal ${signal}`);
        if (child.output.trim() && name === 'chat-multi') problems.push(`output: ${child.output.trim()}`);
        cleanup?.();
    }
    console.log(problems.length === 0
        ? `ok   ${label}: port ${port}, ${CLIENTS} clients each got 1 + ${BURST} messages exactly once, in order, as text (sender included); clean exit on SIGTERM`
        : `FAIL ${label}: ${problems.join('; ')}`);
    return problems.length === 0;
}

const targets = process.argv.slice(2);
let ok = true;
for (const target of targets.length ? targets : ['ws-broadcast', 'chat-multi:1', 'chat-multi:2']) {
    const [name, threads] = target.split(':');
    if (!peers[name]) {
        console.error(`unknown peer ${name} (ws-broadcast, chat-multi[:THREADS])`);
        process.exit(2);
    }
    try {
        ok = (await checkPeer(name, name === 'chat-multi' ? Number(threads ?? 1) : undefined)) && ok;
    } catch (err) {
        console.log(`FAIL ${target}: ${err.message}`);
        ok = false;
    }
}
process.exit(ok ? 0 : 1);
