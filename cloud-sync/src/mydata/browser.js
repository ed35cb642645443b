/*
 * The "my data" page's script (served inline by GET /my-data under a CSP that allows only this script by hash).
 * The personal link's token arrives in the URL fragment (`#t=` for the person, `#r=` for the status of one request),
 * which browsers never send to a server; it is moved to sessionStorage and wiped from the address bar, so it is not
 * left on screen or in the history. Every text is in English and Korean.
 */
(() => {
  const TEXT = {
    en: {
      title: 'Your data at Aisle',
      other: '한국어',
      intro:
        'This page shows what we hold about you, where it is kept and what it was used for. You can change your choices, download everything, or ask us to delete it.',
      loading: 'Loading…',
      linkInvalid:
        'This link is not valid or has expired. Ask for a new one at a kiosk in the store (sign in, then "See and manage your data").',
      gone: 'We no longer hold any data for this link.',
      failed: 'Something went wrong. Please try again in a moment.',
      held: 'What we hold',
      name: 'First name',
      segment: 'Customer group',
      home: 'Home store',
      favourites: 'Favourite categories',
      excluded: 'Categories you asked us not to show',
      cart: 'Items in your online cart',
      identities: 'How we recognise you',
      none: 'None',
      kinds: {
        loyalty: 'Loyalty card number',
        phone: 'Phone number (stored scrambled)',
        email: 'E-mail address (stored scrambled)',
        app_device: 'Shopper app on your phone',
        account: 'Online account',
      },
      where: 'Where it is kept and used',
      storesIntro: 'These stores keep a copy of your profile:',
      reasons: {
        home: 'your home store',
        purchase: 'you bought something there',
        lookup: 'you signed in there recently',
      },
      noStores: 'No store keeps a copy of your profile.',
      personalized: 'Screens in these stores may suggest products for you: ',
      notPersonalized: 'No store personalizes its screens for you (personalization is off).',
      training:
        "Your purchases were part of the data for these recommendation models (they learn from everyone's purchases together):",
      noTraining: 'No recommendation model has learned from your purchases yet.',
      purchases: 'Your purchases',
      noPurchases: 'No purchases are linked to you.',
      date: 'Date',
      store: 'Where',
      online: 'Online shop',
      items: 'Items',
      total: 'Total',
      choices: 'Your choices',
      choicesIntro: 'Nothing is on unless you say yes. You can change your mind at any time.',
      purposes: {
        location: 'Recognise my phone in the store',
        personalization: 'Suggest products for me',
        marketing: 'Send me offers',
        analytics: 'Use my data for store statistics',
      },
      policy: 'Privacy policy version',
      policyMissing: 'The privacy policy could not be loaded, so choices cannot be changed right now.',
      on: 'On',
      off: 'Off',
      since: 'since',
      saved: 'Saved.',
      history: 'Your earlier decisions',
      states: { granted: 'yes', denied: 'no', withdrawn: 'taken back' },
      channels: { web: 'online', app: 'in the app', store: 'in a store', kiosk: 'at a kiosk', staff: 'with staff' },
      copy: 'Download or delete',
      download: 'Download my data',
      downloaded: 'Your data was downloaded as a file.',
      erased: 'Your data was deleted in every store.',
      delete: 'Delete my data',
      confirmTitle: 'Delete everything we hold about you?',
      confirmText:
        'Your profile, choices, cart and the link between you and your purchases are deleted in every store. This cannot be undone.',
      confirmYes: 'Yes, delete my data',
      cancel: 'Cancel',
      request: 'Your request',
      requestIntro: 'Keep this link to check your request later:',
      statusLink: 'Status of my request',
      kindsOfRequest: {
        access: 'Copy of my data',
        rectification: 'Correction',
        erasure: 'Deletion',
        objection: 'Objection',
      },
      status: { received: 'Received', completed: 'Done', rejected: 'Refused' },
      receivedAt: 'Received',
      dueAt: 'To be answered by',
      completedAt: 'Done on',
      expires: 'This link works until',
    },
    ko: {
      title: 'Aisle이 보관하는 내 정보',
      other: 'English',
      intro:
        '이 페이지에서 저희가 보관하는 내 정보, 보관 장소와 사용 내역을 볼 수 있습니다. 동의를 바꾸고, 모든 정보를 내려받거나 삭제를 요청할 수 있습니다.',
      loading: '불러오는 중…',
      linkInvalid:
        '유효하지 않거나 만료된 링크입니다. 매장 키오스크에서 로그인한 뒤 "내 정보 보기 및 관리"로 새 링크를 받으세요.',
      gone: '이 링크에 해당하는 정보는 더 이상 보관하지 않습니다.',
      failed: '문제가 발생했습니다. 잠시 후 다시 시도해 주세요.',
      held: '보관 중인 정보',
      name: '이름',
      segment: '고객 그룹',
      home: '주 이용 매장',
      favourites: '좋아하는 카테고리',
      excluded: '보이지 않게 요청한 카테고리',
      cart: '온라인 장바구니 상품 수',
      identities: '고객님을 알아보는 방법',
      none: '없음',
      kinds: {
        loyalty: '멤버십 카드 번호',
        phone: '전화번호(암호화 저장)',
        email: '이메일 주소(암호화 저장)',
        app_device: '휴대폰의 쇼핑 앱',
        account: '온라인 계정',
      },
      where: '보관 및 사용 장소',
      storesIntro: '다음 매장에 프로필 사본이 있습니다:',
      reasons: { home: '주 이용 매장', purchase: '이 매장에서 구매', lookup: '최근 이 매장에서 로그인' },
      noStores: '프로필 사본을 가진 매장이 없습니다.',
      personalized: '다음 매장의 화면이 맞춤 상품을 추천할 수 있습니다: ',
      notPersonalized: '맞춤 추천이 꺼져 있어 어떤 매장도 화면을 맞춤화하지 않습니다.',
      training: '다음 추천 모델의 학습 데이터에 고객님의 구매가 포함되었습니다(모든 고객의 구매를 함께 학습합니다):',
      noTraining: '아직 고객님의 구매로 학습한 추천 모델이 없습니다.',
      purchases: '구매 내역',
      noPurchases: '연결된 구매 내역이 없습니다.',
      date: '날짜',
      store: '장소',
      online: '온라인 쇼핑몰',
      items: '수량',
      total: '금액',
      choices: '내 선택',
      choicesIntro: '동의하지 않으면 아무것도 켜지지 않습니다. 언제든지 바꿀 수 있습니다.',
      purposes: {
        location: '매장에서 내 휴대폰 인식',
        personalization: '맞춤 상품 추천',
        marketing: '혜택 및 광고 수신',
        analytics: '매장 통계에 내 정보 사용',
      },
      policy: '개인정보 처리방침 버전',
      policyMissing: '개인정보 처리방침을 불러오지 못해 지금은 선택을 바꿀 수 없습니다.',
      on: '켜짐',
      off: '꺼짐',
      since: '부터',
      saved: '저장되었습니다.',
      history: '이전 결정',
      states: { granted: '동의', denied: '거부', withdrawn: '철회' },
      channels: { web: '온라인', app: '앱', store: '매장', kiosk: '키오스크', staff: '직원' },
      copy: '내려받기 및 삭제',
      download: '내 정보 내려받기',
      downloaded: '내 정보를 파일로 내려받았습니다.',
      erased: '모든 매장에서 내 정보가 삭제되었습니다.',
      delete: '내 정보 삭제',
      confirmTitle: '보관 중인 모든 정보를 삭제할까요?',
      confirmText: '모든 매장에서 프로필, 선택, 장바구니, 구매 내역과의 연결이 삭제됩니다. 되돌릴 수 없습니다.',
      confirmYes: '네, 삭제합니다',
      cancel: '취소',
      request: '내 요청',
      requestIntro: '나중에 요청 상태를 확인하려면 이 링크를 보관하세요:',
      statusLink: '내 요청 상태',
      kindsOfRequest: { access: '정보 사본', rectification: '정정', erasure: '삭제', objection: '처리 거부' },
      status: { received: '접수됨', completed: '완료', rejected: '거절됨' },
      receivedAt: '접수',
      dueAt: '처리 기한',
      completedAt: '완료',
      expires: '이 링크의 만료 시각',
    },
  };

  const app = document.getElementById('app');
  const noticeEl = document.getElementById('notice');
  const stored = sessionStorage.getItem('aisle-my-data');
  const fragment = new URLSearchParams(location.hash.slice(1));
  /** `{ kind: 't' | 'r', token }`: the person's link or one request's status link. */
  let link = stored ? JSON.parse(stored) : null;
  for (const kind of ['t', 'r']) {
    const token = fragment.get(kind);
    if (token) link = { kind, token };
  }
  if (location.hash) {
    if (link) sessionStorage.setItem('aisle-my-data', JSON.stringify(link));
    history.replaceState(null, '', location.pathname + location.search);
  }

  let lang = (new URLSearchParams(location.search).get('lang') ?? navigator.language ?? 'en').startsWith('ko')
    ? 'ko'
    : 'en';
  let t = TEXT[lang];
  /** What the page shows: `{ view: 'loading' | 'error' | 'data' | 'request', … }`. */
  let state = { view: 'loading' };
  let confirming = false;
  let notice = '';
  let noticeTimer;

  /** An element: `h('p', { class: 'muted' }, 'text', child…)`; text is always text (never parsed as HTML). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs ?? {})) {
      if (value === undefined || value === false || value === null) continue;
      if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else if (key === 'checked' || key === 'disabled') el[key] = Boolean(value);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) el.append(child);
    return el;
  }

  const when = (ms) =>
    new Date(ms).toLocaleString(lang === 'ko' ? 'ko-KR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
  const money = (amount, currency) => {
    try {
      return new Intl.NumberFormat(lang === 'ko' ? 'ko-KR' : 'en-GB', { style: 'currency', currency }).format(amount);
    } catch {
      return `${amount} ${currency}`;
    }
  };

  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer me.${link.token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw Object.assign(new Error(`${method} ${path}: ${res.status}`), { status: res.status });
    return res;
  }

  function failure(err) {
    const reason = err?.status === 401 ? 'link' : err?.status === 404 ? 'gone' : 'failed';
    state = { view: 'error', reason };
    render();
  }

  async function load() {
    if (!link) {
      state = { view: 'error', reason: 'link' };
      return render();
    }
    try {
      if (link.kind === 'r') {
        const id = requestIdOf(link.token);
        const request = await (await api('GET', `/v1/me/requests/${encodeURIComponent(id)}`)).json();
        state = { view: 'request', request, statusUrl: location.href };
      } else {
        const [data, policy] = await Promise.all([
          api('GET', '/v1/me').then((r) => r.json()),
          fetch('/v1/policies/current')
            .then((r) => (r.ok ? r.json() : null))
            .catch(() => null),
        ]);
        state = { view: 'data', data, policy };
      }
    } catch (err) {
      return failure(err);
    }
    render();
  }

  /** The request a status token names (its payload is readable; only the server can check the signature). */
  function requestIdOf(token) {
    try {
      const payload = JSON.parse(atob(token.split('.')[0].replace(/-/g, '+').replace(/_/g, '/')));
      return payload.id;
    } catch {
      return 'invalid';
    }
  }

  async function setConsent(purpose, on) {
    const policy = state.policy;
    try {
      const res = await api('PUT', `/v1/me/consent/${purpose}`, {
        state: on ? 'granted' : 'withdrawn',
        policyVersion: policy.version,
      });
      const { current } = await res.json();
      state.data.consent.current = current;
      // the history and where it is used follow from the change: read them again
      state.data = await (await api('GET', '/v1/me')).json();
      notice = t.saved;
    } catch (err) {
      return failure(err);
    }
    render(`consent-${purpose}`);
  }

  async function download() {
    try {
      const blob = await (await api('GET', '/v1/me/export')).blob();
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: `my-data-${state.data.customerId}.json` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      notice = t.downloaded;
    } catch (err) {
      return failure(err);
    }
    render('download');
  }

  async function erase() {
    try {
      const { request, statusUrl } = await (await api('POST', '/v1/me/erasure')).json();
      // the person's own link now leads nowhere; the request's status link is what is left
      link = { kind: 'r', token: new URLSearchParams(new URL(statusUrl).hash.slice(1)).get('r') };
      sessionStorage.setItem('aisle-my-data', JSON.stringify(link));
      state = { view: 'request', request, statusUrl };
      confirming = false;
      notice = t.erased;
    } catch (err) {
      return failure(err);
    }
    render('request-title');
  }

  function heldSection(d) {
    const p = d.profile;
    const list = (items) => (items.length > 0 ? items.join(', ') : t.none);
    return h(
      'section',
      { 'aria-labelledby': 'held-title' },
      h('h2', { id: 'held-title' }, t.held),
      h(
        'dl',
        {},
        h('dt', {}, t.name),
        h('dd', { 'data-testid': 'md-name' }, p.firstName ?? t.none),
        p.segment && [h('dt', {}, t.segment), h('dd', {}, p.segment)],
        h('dt', {}, t.home),
        h('dd', {}, p.homeStoreId ?? t.none),
        h('dt', {}, t.favourites),
        h('dd', {}, list(p.favouriteCategories)),
        h('dt', {}, t.excluded),
        h('dd', {}, list(p.excludedCategories)),
        h('dt', {}, t.cart),
        h('dd', {}, String(p.onlineCartItems)),
        h('dt', {}, t.identities),
        h(
          'dd',
          { 'data-testid': 'md-identities' },
          d.identities.length === 0
            ? t.none
            : h('ul', {}, ...d.identities.map((i) => h('li', {}, t.kinds[i.kind] ?? i.kind))),
        ),
      ),
    );
  }

  function whereSection(d) {
    const personalized = d.usedIn.personalizedIn;
    return h(
      'section',
      { 'aria-labelledby': 'where-title' },
      h('h2', { id: 'where-title' }, t.where),
      d.stores.length === 0
        ? h('p', {}, t.noStores)
        : [
            h('p', {}, t.storesIntro),
            h(
              'ul',
              {},
              ...d.stores.map((s) =>
                h(
                  'li',
                  { 'data-testid': 'md-store', 'data-store-id': s.storeId },
                  `${s.storeId}: ${s.reasons.map((r) => t.reasons[r] ?? r).join(', ')}`,
                ),
              ),
            ),
          ],
      h('p', {}, personalized.length > 0 ? t.personalized + personalized.join(', ') : t.notPersonalized),
      d.usedIn.trainingRuns.length === 0
        ? h('p', {}, t.noTraining)
        : [
            h('p', {}, t.training),
            h(
              'ul',
              {},
              ...d.usedIn.trainingRuns.map((r) =>
                h('li', { 'data-testid': 'md-training' }, `${r.version ?? r.runId} (${when(r.at)})`),
              ),
            ),
          ],
    );
  }

  function purchasesSection(d) {
    return h(
      'section',
      { 'aria-labelledby': 'purchases-title' },
      h('h2', { id: 'purchases-title' }, t.purchases),
      d.purchases.length === 0
        ? h('p', {}, t.noPurchases)
        : h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, t.date),
                h('th', { scope: 'col' }, t.store),
                h('th', { scope: 'col', class: 'num' }, t.items),
                h('th', { scope: 'col', class: 'num' }, t.total),
              ),
            ),
            h(
              'tbody',
              {},
              ...d.purchases.map((p) =>
                h(
                  'tr',
                  { 'data-testid': 'md-purchase', 'data-store-id': p.storeId },
                  h('td', {}, when(p.at)),
                  h('td', {}, p.storeId === 'web' ? t.online : p.storeId),
                  h('td', { class: 'num' }, String(p.items)),
                  h('td', { class: 'num' }, money(p.total, p.currency)),
                ),
              ),
            ),
          ),
    );
  }

  function choicesSection(d, policy) {
    const purposes = d.consent.current;
    return h(
      'section',
      { 'aria-labelledby': 'choices-title' },
      h('h2', { id: 'choices-title' }, t.choices),
      h('p', {}, t.choicesIntro),
      policy
        ? h('p', { class: 'muted', 'data-testid': 'md-policy' }, `${t.policy}: ${policy.version}`)
        : h('p', { class: 'notice error' }, t.policyMissing),
      ...purposes.map((c) => {
        const on = c.state === 'granted';
        const id = `consent-${c.purpose}`;
        const text = policy?.texts?.[c.purpose]?.[lang];
        return h(
          'div',
          { class: 'purpose' },
          h(
            'label',
            { class: 'switch', for: id },
            h('input', {
              type: 'checkbox',
              role: 'switch',
              id,
              'data-testid': id,
              'aria-describedby': `${id}-text`,
              checked: on,
              disabled: !policy,
              onchange: (e) => setConsent(c.purpose, e.target.checked),
            }),
            h('span', {}, t.purposes[c.purpose] ?? c.purpose),
            h('span', { class: 'muted', 'data-testid': `${id}-state` }, on ? t.on : t.off),
          ),
          h('p', { id: `${id}-text`, class: 'muted' }, text ?? ''),
        );
      }),
      d.consent.history.length > 0 &&
        h(
          'details',
          {},
          h('summary', {}, t.history),
          h(
            'ul',
            {},
            ...d.consent.history.map((r) =>
              h(
                'li',
                {},
                `${when(r.at)}: ${t.purposes[r.purpose] ?? r.purpose}: ${t.states[r.state] ?? r.state} (${t.channels[r.channel] ?? r.channel}, ${t.policy} ${r.policyVersion})`,
              ),
            ),
          ),
        ),
    );
  }

  function actionsSection() {
    return h(
      'section',
      { 'aria-labelledby': 'copy-title' },
      h('h2', { id: 'copy-title' }, t.copy),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', id: 'download', 'data-testid': 'md-download', onclick: download }, t.download),
        h(
          'button',
          {
            type: 'button',
            id: 'delete',
            class: 'danger',
            'data-testid': 'md-delete',
            'aria-expanded': String(confirming),
            onclick: () => {
              confirming = true;
              render('delete-confirm');
            },
          },
          t.delete,
        ),
      ),
      confirming &&
        h(
          'div',
          {
            class: 'confirm',
            role: 'alertdialog',
            'aria-labelledby': 'confirm-title',
            'aria-describedby': 'confirm-text',
          },
          h('h3', { id: 'confirm-title' }, t.confirmTitle),
          h('p', { id: 'confirm-text' }, t.confirmText),
          h(
            'div',
            { class: 'actions' },
            h(
              'button',
              {
                type: 'button',
                id: 'delete-confirm',
                class: 'danger primary',
                'data-testid': 'md-delete-confirm',
                onclick: erase,
              },
              t.confirmYes,
            ),
            h(
              'button',
              {
                type: 'button',
                'data-testid': 'md-delete-cancel',
                onclick: () => {
                  confirming = false;
                  render('delete');
                },
              },
              t.cancel,
            ),
          ),
        ),
    );
  }

  function requestSection(request, statusUrl) {
    return h(
      'section',
      { 'aria-labelledby': 'request-title', 'data-testid': 'md-request', 'data-status': request.status },
      h(
        'h2',
        { id: 'request-title', tabindex: '-1' },
        `${t.request}: ${t.kindsOfRequest[request.kind] ?? request.kind}`,
      ),
      h(
        'p',
        { class: `state-${request.status}`, 'data-testid': 'md-request-status' },
        t.status[request.status] ?? request.status,
      ),
      h(
        'dl',
        {},
        h('dt', {}, t.receivedAt),
        h('dd', {}, when(request.receivedAt)),
        h('dt', {}, t.dueAt),
        h('dd', {}, when(request.dueAt)),
        request.completedAt !== undefined && [h('dt', {}, t.completedAt), h('dd', {}, when(request.completedAt))],
      ),
      statusUrl && [
        h('p', {}, t.requestIntro),
        h('p', {}, h('a', { href: statusUrl, 'data-testid': 'md-status-link' }, t.statusLink)),
      ],
    );
  }

  /** Draws the page for `state`; `focus` names the element to give focus to afterwards (keyboard and screen readers). */
  function render(focus) {
    document.documentElement.lang = lang;
    document.title = t.title;
    const body = [];
    if (state.view === 'loading') body.push(h('p', { role: 'status' }, t.loading));
    if (state.view === 'error') {
      const text = state.reason === 'link' ? t.linkInvalid : state.reason === 'gone' ? t.gone : t.failed;
      body.push(
        h('p', { class: 'notice error', role: 'alert', 'data-testid': 'md-error', 'data-reason': state.reason }, text),
      );
    }
    if (state.view === 'data') {
      const d = state.data;
      body.push(
        h('p', {}, t.intro),
        h('p', { class: 'muted' }, `${t.expires} ${when(d.linkExpiresAt)}`),
        heldSection(d),
        whereSection(d),
        purchasesSection(d),
        choicesSection(d, state.policy),
        actionsSection(),
        ...d.requests.map((r) => requestSection(r)),
      );
    }
    if (state.view === 'request') body.push(requestSection(state.request, state.statusUrl));
    app.replaceChildren(
      h(
        'header',
        {},
        h('h1', {}, t.title),
        h(
          'button',
          {
            type: 'button',
            lang: lang === 'ko' ? 'en' : 'ko',
            'data-testid': 'md-lang',
            onclick: () => {
              lang = lang === 'ko' ? 'en' : 'ko';
              t = TEXT[lang];
              render('md-lang');
            },
          },
          t.other,
        ),
      ),
      ...body,
    );
    // one live region that stays in the document, so screen readers announce each change; it clears itself later
    if (notice) {
      noticeEl.textContent = notice;
      clearTimeout(noticeTimer);
      noticeTimer = setTimeout(() => {
        noticeEl.textContent = '';
      }, 8000);
    }
    notice = '';
    if (focus) (document.getElementById(focus) ?? document.querySelector(`[data-testid="${focus}"]`))?.focus();
  }

  render();
  load();
})();
