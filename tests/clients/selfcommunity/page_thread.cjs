// Drives the official SelfCommunity JS client (@selfcommunity/api-services) against the
// gateway, the way the official web UI (react-ui PrivateMessageThread) pages a thread:
// getAThread({...target, limit}), then while `next` is set: take `next`, set
// `before_message` to the first id of the current page, drop `offset`, fetch that URL.
//
// Usage: node page_thread.cjs <node_modules dir> <base URL> <bearer token> <target JSON>...
// where each target is e.g. {"user":102} or {"thread":501}. Prints one JSON object:
// {"threads":[{"target":..,"ids":[..],"requests":n}],"snippets":{"status":..,"count":..}}
'use strict';

const path = require('path');

async function main() {
  const [modules, base, token, ...targets] = process.argv.slice(2);
  const sc = require(path.join(modules, '@selfcommunity', 'api-services'));
  const { http, PrivateMessageService } = sc;
  http.setBasePortal(base);
  http.setAuthorizeToken(token);

  const out = { threads: [], snippets: null };
  for (const raw of targets) {
    const target = JSON.parse(raw);
    let page = await PrivateMessageService.getAThread({ ...target, limit: 10 });
    let pages = [page.results];
    let requests = 1;
    while (page.next) {
      const url = new URL(page.next);
      url.searchParams.set('before_message', String(page.results[0].id));
      url.searchParams.delete('offset');
      const res = await http.request({ url: url.toString(), method: 'GET' });
      page = res.data;
      pages.unshift(page.results);
      requests += 1;
      if (requests > 10000) throw new Error('paging does not end');
    }
    const ids = pages.flat().map((m) => m.id);
    out.threads.push({ target, ids, requests });
  }
  try {
    const s = await PrivateMessageService.getAllSnippets();
    out.snippets = { status: 200, count: s.count, results: s.results.length };
  } catch (e) {
    out.snippets = { status: e && e.response ? e.response.status : String(e) };
  }
  process.stdout.write(`\nRESULT ${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  const status = e && e.response ? e.response.status : undefined;
  process.stderr.write(`client failed: ${status ?? ''} ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});
