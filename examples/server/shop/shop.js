// Aurora Mall 极光商城 — the demo shop's script. Renders the page from the shop's API
// (/shop/api/*, served by the example server), follows the browser's language (with a switch),
// and starts the Kefu widget with the page's entry context: page type, product or order, locale.
(function () {
  'use strict';
  var BRAND = '#f0433a';
  var page = document.body.getAttribute('data-page') || 'home';
  var params = new URLSearchParams(location.search);

  // Language: a choice made on this site wins, else the browser's (zh* → Chinese).
  var lang = localStorage.getItem('shop:lang') || ((navigator.language || 'en').toLowerCase().indexOf('zh') === 0 ? 'zh' : 'en');
  var customerId = localStorage.getItem('shop:customer') || '';

  var T = {
    zh: {
      shop: '极光商城', tagline: '正品低价 · 极速发货', search: '搜索商品、品牌', searchBtn: '搜索', cart: '购物车', orders: '我的订单', help: '帮助中心', service: '联系客服',
      guest: '游客（未登录）', signedAs: '当前账号', lang: 'English', freeShip: '全场满99包邮', home: '首页',
      cats: { phones: '手机', headphones: '耳机音频', baby: '母婴', beauty: '美妆个护', apparel: '服饰运动' },
      heroTitle: '双十一狂欢 · 数码好物低至 8 折', heroText: '24 期免息，以旧换新再省 600 元。客服 7×24 小时在线。', heroBtn: '立即抢购', heroArt: '满 3000 减 300',
      hot: '热卖推荐', hotSub: '根据大家的购买为你挑选', stock: '库存', sold: '已售',
      brand: '品牌', model: '型号', qty: '数量', addCart: '加入购物车', buy: '立即购买', added: '已加入购物车',
      promo: ['满 3000 减 300', '24 期免息', '以旧换新'], services: ['正品保障', '7 天无理由退货', '顺丰包邮', '1 年官方质保'],
      askHelp: '对商品有疑问？', askBtn: '咨询客服', specs: '规格参数', category: '类别', origin: '发货地', originV: '上海仓 · 顺丰',
      warranty: '保修', warrantyV: '全国联保 1 年', inStock: '现货', price: '价格',
      checkout: '确认订单', stepCart: '购物车', stepConfirm: '确认订单', stepPay: '付款', stepDone: '完成',
      address: '收货地址', change: '修改', delivery: '配送方式', deliveryV: '顺丰速运 · 预计明天送达', pay: '支付方式',
      wechat: '微信支付', alipay: '支付宝', card: '银行卡', huabei: '花呗分期', items: '商品清单', summary: '订单摘要',
      subtotal: '商品金额', shipping: '运费', free: '免运费', discount: '优惠', total: '应付总额', submit: '提交订单',
      couponPh: '输入优惠券码', apply: '使用', couponHint: '有优惠券的问题？点右下角联系客服，专人帮你算最优惠的组合。',
      demoNote: '这是演示商城：订单不会真的提交。', demoSubmit: '演示商城不会真的下单 —— 有问题可以问客服。',
      order: '订单详情', orderNo: '订单号', status: '订单状态', placed: '下单时间', items2: '商品', signIn: '请先登录',
      signInText: '订单只对下单人可见。演示商城可以直接以演示顾客身份登录：', signInBtn: '以 王小明（VIP）登录', noOrders: '还没有订单',
      myOrders: '我的订单', view: '查看', trackTitle: '物流进度', tracking: '运单号',
      st: { unpaid: '待付款', paid: '待发货', shipped: '运输中', delivered: '已签收', completed: '已完成', cancelled: '已取消', refunding: '退款中', refunded: '已退款' },
      tl: ['提交订单', '付款成功', '仓库发货', '运输中', '已签收'],
      footer: '演示商城，由 Kefu 开源客服驱动 · 商品与订单均为演示数据', notFound: '没有找到这个商品', widgetTitle: '极光商城客服',
    },
    en: {
      shop: 'Aurora Mall', tagline: 'Genuine brands · Fast delivery', search: 'Search products and brands', searchBtn: 'Search', cart: 'Cart', orders: 'Orders', help: 'Help', service: 'Contact us',
      guest: 'Guest (signed out)', signedAs: 'Account', lang: '中文', freeShip: 'Free shipping over ¥99', home: 'Home',
      cats: { phones: 'Phones', headphones: 'Audio', baby: 'Baby', beauty: 'Beauty', apparel: 'Apparel' },
      heroTitle: 'Singles’ Day · Tech up to 20% off', heroText: '24 months interest-free, ¥600 more off with trade-in. Support online 24/7.', heroBtn: 'Shop now', heroArt: '¥300 off ¥3000',
      hot: 'Best sellers', hotSub: 'Picked from what shoppers buy', stock: 'In stock', sold: 'sold',
      brand: 'Brand', model: 'Model', qty: 'Quantity', addCart: 'Add to cart', buy: 'Buy now', added: 'Added to cart',
      promo: ['¥300 off ¥3000', '24 months 0%', 'Trade-in'], services: ['100% genuine', '7-day free returns', 'Free SF Express', '1-year warranty'],
      askHelp: 'Questions about this product?', askBtn: 'Ask us', specs: 'Specifications', category: 'Category', origin: 'Ships from', originV: 'Shanghai · SF Express',
      warranty: 'Warranty', warrantyV: '1 year nationwide', inStock: 'In stock', price: 'Price',
      checkout: 'Checkout', stepCart: 'Cart', stepConfirm: 'Confirm', stepPay: 'Pay', stepDone: 'Done',
      address: 'Shipping address', change: 'Change', delivery: 'Delivery', deliveryV: 'SF Express · arrives tomorrow', pay: 'Payment',
      wechat: 'WeChat Pay', alipay: 'Alipay', card: 'Bank card', huabei: 'Huabei instalments', items: 'Items', summary: 'Order summary',
      subtotal: 'Subtotal', shipping: 'Shipping', free: 'Free', discount: 'Discount', total: 'Total', submit: 'Place order',
      couponPh: 'Coupon code', apply: 'Apply', couponHint: 'Questions about coupons? Chat with us (bottom right) and we will find the best deal for you.',
      demoNote: 'This is a demo shop: no order is really placed.', demoSubmit: 'The demo shop does not place real orders — ask our support anything.',
      order: 'Order details', orderNo: 'Order no.', status: 'Status', placed: 'Placed', items2: 'Items', signIn: 'Please sign in',
      signInText: 'Orders are visible to their buyer only. In the demo shop you can sign in as a demo customer:', signInBtn: 'Sign in as Wang Xiaoming (VIP)', noOrders: 'No orders yet',
      myOrders: 'My orders', view: 'View', trackTitle: 'Delivery', tracking: 'Tracking no.',
      st: { unpaid: 'Awaiting payment', paid: 'Awaiting shipment', shipped: 'On the way', delivered: 'Delivered', completed: 'Completed', cancelled: 'Cancelled', refunding: 'Refund in progress', refunded: 'Refunded' },
      tl: ['Order placed', 'Paid', 'Shipped', 'In transit', 'Delivered'],
      footer: 'A demo shop powered by Kefu, open-source customer service · products and orders are demo data', notFound: 'Product not found', widgetTitle: 'Aurora Mall Support',
    },
  };
  var t = T[lang];
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';

  var DEMO_CUSTOMERS = [
    { id: '', zh: '游客（未登录）', en: 'Guest (signed out)' },
    { id: 'u1001', zh: '王小明 · VIP', en: 'Wang Xiaoming · VIP' },
    { id: 'u1002', zh: '李娜', en: 'Li Na' },
    { id: 'u1003', zh: 'Emily Chen', en: 'Emily Chen' },
  ];

  // Category glyphs for the generated product art (outline icons, 24×24).
  var GLYPH = {
    phones: '<rect x="6.5" y="2.5" width="11" height="19" rx="2.5"/><path d="M10.5 5h3"/><circle cx="12" cy="18.5" r=".6"/>',
    headphones: '<path d="M4 15v-3a8 8 0 0 1 16 0v3"/><rect x="3" y="14" width="4.5" height="7" rx="1.8"/><rect x="16.5" y="14" width="4.5" height="7" rx="1.8"/>',
    baby: '<path d="M9 3h6v3l1.5 2.5V19a2.5 2.5 0 0 1-2.5 2.5h-4A2.5 2.5 0 0 1 7.5 19V8.5L9 6z"/><path d="M7.5 11h9M7.5 15h9"/>',
    beauty: '<rect x="8" y="9" width="8" height="12.5" rx="2"/><path d="M10 9V6h4v3M11 3h2v3h-2z"/><path d="M10.5 14h3"/>',
    apparel: '<path d="M3 16.5c3 .5 5-1 6-4l1.5-3 2 1.5c1 .8 2.5 1 3.8.6L20 10.5c.8 1.5 1 3.5.5 6H3z"/><path d="M3 16.5v2h18v-2"/>',
  };
  var ART = {
    phones: ['#e9eefc', '#3b4a7a'], headphones: ['#f1ecfb', '#5b3f8c'], baby: ['#fdf1e7', '#9a5a1f'], beauty: ['#fcebef', '#9b2c4a'], apparel: ['#e8f6f0', '#1f6b4f'],
  };

  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
  }
  function money(fen) {
    var yuan = fen / 100;
    return '<small>¥</small>' + yuan.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US', { minimumFractionDigits: yuan % 1 ? 2 : 0, maximumFractionDigits: 2 });
  }
  function art(p, extra) {
    var c = ART[p.category] || ['#eef1f6', '#4e5969'];
    return '<div class="art' + (extra ? ' ' + extra : '') + '" style="--art-bg:linear-gradient(160deg,#fff,' + c[0] + ' 55%,' + c[0] + ');--art-ink:' + c[1] + '">' +
      '<span class="art-brand">' + esc(p.brand) + '</span>' +
      '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.3" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">' + (GLYPH[p.category] || GLYPH.phones) + '</svg></div>';
  }
  function name(p) { return p.name[lang] || p.name.zh; }
  function soldOf(p) { return 200 + ((p.price / 100) * 7) % 9000 | 0; }
  function api(path) {
    return fetch(path, { headers: { accept: 'application/json' } }).then(function (r) { if (!r.ok) throw new Error(r.status + ' ' + path); return r.json(); });
  }
  var $main = document.getElementById('main');

  function header() {
    var opts = DEMO_CUSTOMERS.map(function (c) { return '<option value="' + c.id + '"' + (c.id === customerId ? ' selected' : '') + '>' + esc(c[lang]) + '</option>'; }).join('');
    var cats = Object.keys(t.cats).map(function (k) { return '<a href="./?category=' + k + '"' + (params.get('category') === k ? ' class="on"' : '') + '>' + t.cats[k] + '</a>'; }).join('');
    document.getElementById('top').innerHTML =
      '<div class="strip"><div class="wrap"><span class="hide-sm">' + t.freeShip + '</span><div class="strip-links">' +
      '<label>' + t.signedAs + ' <select id="account" aria-label="' + t.signedAs + '">' + opts + '</select></label>' +
      '<a href="order.html" class="hide-sm">' + t.orders + '</a>' +
      '<button id="lang" type="button" style="background:none;border:0;color:inherit;cursor:pointer;font-size:12px">' + t.lang + '</button></div></div></div>' +
      '<header class="header"><div class="wrap">' +
      '<a class="logo" href="./"><span class="logo-mark">A</span><span>' + t.shop + '<small>' + t.tagline + '</small></span></a>' +
      '<form class="search" role="search" action="./"><input name="q" placeholder="' + t.search + '" aria-label="' + t.search + '" value="' + esc(params.get('q') || '') + '"><button>' + t.searchBtn + '</button></form>' +
      '<nav class="header-actions"><a class="icon-link hide-sm" href="order.html"><svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.6"><path d="M6 3h12v18l-3-2-3 2-3-2-3 2z"/><path d="M9 8h6M9 12h6"/></svg>' + t.orders + '</a>' +
      '<a class="icon-link" href="checkout.html?id=' + esc(params.get('id') || 'he-001') + '"><svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.6"><path d="M3 4h2l2.4 11h10.2L20 7H6.2"/><circle cx="9" cy="19.5" r="1.3"/><circle cx="17" cy="19.5" r="1.3"/></svg>' + t.cart + '<span class="badge" id="cart-count">' + (Number(localStorage.getItem('shop:cart') || 0) || 1) + '</span></a></nav>' +
      '</div></header><div class="nav"><div class="wrap"><a href="./"' + (page === 'home' && !params.get('category') ? ' class="on"' : '') + '>' + t.home + '</a>' + cats + '</div></div>';
    document.getElementById('account').addEventListener('change', function (e) {
      localStorage.setItem('shop:customer', e.target.value);
      location.reload();
    });
    document.getElementById('lang').addEventListener('click', function () {
      localStorage.setItem('shop:lang', lang === 'zh' ? 'en' : 'zh');
      location.reload();
    });
    document.getElementById('foot').innerHTML = '<div class="wrap"><span>© 2025 ' + t.shop + ' · ' + t.footer + '</span><span><a href="/console/">Kefu console →</a></span></div>';
  }

  // Pages
  function home(catalog) {
    var cat = params.get('category');
    var q = (params.get('q') || '').toLowerCase();
    var list = catalog.products.filter(function (p) {
      return (!cat || p.category === cat) && (!q || (p.name.zh + ' ' + p.name.en + ' ' + p.brand).toLowerCase().indexOf(q) >= 0);
    });
    $main.innerHTML = (cat || q ? '' : '<section class="hero"><div><h1>' + t.heroTitle + '</h1><p>' + t.heroText + '</p><a class="btn" href="product.html?id=ph-001">' + t.heroBtn + ' →</a></div><div class="hero-art"><b>' + t.heroArt + '</b>11.11</div></section>') +
      '<div class="section-title"><h2>' + (cat ? t.cats[cat] : t.hot) + '</h2><span>' + t.hotSub + '</span></div>' +
      '<div class="grid">' + list.map(tile).join('') + '</div>';
    return { pageType: 'home', title: document.title };
  }
  function tile(p) {
    return '<a class="tile" href="product.html?id=' + esc(p.id) + '">' + art(p) + '<div class="tile-body"><div class="tile-name">' + esc(name(p)) + '</div>' +
      '<div><span class="chip">' + t.promo[1] + '</span></div><div class="tile-foot"><span class="price">' + money(p.price) + '</span><small>' + soldOf(p) + '+ ' + t.sold + '</small></div></div></a>';
  }

  function product(catalog) {
    var id = params.get('id') || 'ph-001';
    var p = catalog.products.find(function (x) { return x.id === id; });
    if (!p) {
      $main.innerHTML = '<div class="panel empty" style="margin:30px 0">' + t.notFound + '</div>';
      return { pageType: 'product', productId: id };
    }
    document.title = name(p) + ' · ' + t.shop;
    var models = p.models && p.models.length ? p.models : ['—'];
    $main.innerHTML =
      '<nav class="crumbs" aria-label="breadcrumb"><a href="./">' + t.home + '</a>›<a href="./?category=' + p.category + '">' + (t.cats[p.category] || p.category) + '</a>›<span>' + esc(p.brand) + '</span></nav>' +
      '<section class="panel pdp"><div class="gallery">' + art(p) + '<div class="thumbs">' + art(p, 'on') + art(p) + art(p) + '</div></div>' +
      '<div><span class="chip gray">' + esc(p.brand) + '</span> <span class="chip ok">' + t.inStock + ' · ' + p.stock + '</span>' +
      '<h1>' + esc(name(p)) + '</h1><p class="sub">' + esc(lang === 'zh' ? p.name.en : p.name.zh) + '</p>' +
      '<div class="price-box"><div class="price-row"><span class="price price-big">' + money(p.price) + '</span><span class="strike">' + money(Math.round(p.price * 1.12 / 100) * 100) + '</span></div>' +
      '<div class="promo-row">' + t.promo.map(function (x) { return '<span class="chip">' + x + '</span>'; }).join('') + '</div></div>' +
      '<div class="opt"><span>' + t.model + '</span><div class="choices">' + models.map(function (m, i) { return '<button type="button" class="choice' + (i === 0 ? ' on' : '') + '">' + esc(m) + '</button>'; }).join('') + '</div>' +
      '<span>' + t.qty + '</span><div><span class="qty"><button type="button" aria-label="−">−</button><input value="1" aria-label="' + t.qty + '"><button type="button" aria-label="+">+</button></span></div></div>' +
      '<div class="actions"><button type="button" class="btn btn-soft" id="add">' + t.addCart + '</button><a class="btn btn-primary" href="checkout.html?id=' + esc(p.id) + '">' + t.buy + '</a></div>' +
      '<div class="services">' + t.services.map(function (s) { return '<span>' + s + '</span>'; }).join('') + '</div>' +
      '<div class="help-line">' + t.askHelp + ' <button type="button" id="ask">' + t.askBtn + ' →</button></div></div></section>' +
      '<section class="panel specs" style="margin:18px 0 40px"><h2>' + t.specs + '</h2><div class="spec-table">' +
      '<div>' + t.brand + '</div><div>' + esc(p.brand) + '</div><div>' + t.model + '</div><div>' + esc(models.join(' / ')) + '</div>' +
      '<div>' + t.category + '</div><div>' + (t.cats[p.category] || p.category) + '</div><div>' + t.origin + '</div><div>' + t.originV + '</div>' +
      '<div>' + t.warranty + '</div><div>' + t.warrantyV + '</div></div></section>';
    document.getElementById('add').addEventListener('click', function (e) {
      var n = Number(localStorage.getItem('shop:cart') || 1) + 1;
      localStorage.setItem('shop:cart', String(n));
      document.getElementById('cart-count').textContent = String(n);
      e.target.textContent = t.added + ' ✓';
    });
    document.getElementById('ask').addEventListener('click', function () { if (window.KefuWidget) window.KefuWidget.open(); });
    return { pageType: 'product', productId: p.id, category: p.category, title: name(p) };
  }

  function checkout(catalog, session) {
    var id = params.get('id') || 'he-001';
    var p = catalog.products.find(function (x) { return x.id === id; }) || catalog.products[0];
    var who = session ? session.customer.name : (lang === 'zh' ? '张三' : 'Zhang San');
    var discount = p.price >= 300000 ? 30000 : 0;
    $main.innerHTML =
      '<div class="steps"><span>' + t.stepCart + '</span><i></i><b>' + t.stepConfirm + '</b><i></i><span>' + t.stepPay + '</span><i></i><span>' + t.stepDone + '</span></div>' +
      '<div class="two-col"><div>' +
      '<section class="block"><h2>' + t.address + '<a class="chip gray" href="#">' + t.change + '</a></h2><div class="address"><b>' + esc(who) + '</b>　138****1001<br>' + (lang === 'zh' ? '上海市浦东新区世纪大道 100 号 环球金融中心 28 楼' : '28F, 100 Century Avenue, Pudong, Shanghai') + '</div></section>' +
      '<section class="block"><h2>' + t.items + '</h2><div class="line-item">' + art(p) + '<div class="line-name">' + esc(name(p)) + '<small>' + t.model + ': ' + esc((p.models || ['—'])[0]) + ' · ×1</small></div><span class="price">' + money(p.price) + '</span></div>' +
      '<div class="sum-row" style="margin-top:8px"><span>' + t.delivery + '</span><span>' + t.deliveryV + '</span></div></section>' +
      '<section class="block"><h2>' + t.pay + '</h2><div class="pay-options">' +
      [[t.wechat, '#07c160', '微'], [t.alipay, '#1677ff', '支'], [t.huabei, '#ff7a45', '花'], [t.card, '#4e5969', '卡']].map(function (x, i) {
        return '<label class="pay' + (i === 0 ? ' on' : '') + '"><input type="radio" name="pay" ' + (i === 0 ? 'checked ' : '') + 'style="display:none"><i style="background:' + x[1] + '">' + x[2] + '</i>' + x[0] + '</label>';
      }).join('') + '</div></section></div>' +
      '<aside class="block" style="position:sticky;top:96px"><h2>' + t.summary + '</h2>' +
      '<div class="sum-row"><span>' + t.subtotal + '</span><span>' + money(p.price) + '</span></div>' +
      '<div class="sum-row"><span>' + t.shipping + '</span><span>' + t.free + '</span></div>' +
      '<div class="sum-row"><span>' + t.discount + '</span><span class="price" style="font-size:14px">−' + money(discount) + '</span></div>' +
      '<div class="coupon"><input placeholder="' + t.couponPh + '" aria-label="' + t.couponPh + '"><button type="button">' + t.apply + '</button></div>' +
      '<div class="sum-row total"><span>' + t.total + '</span><span class="price">' + money(p.price - discount) + '</span></div>' +
      '<button class="btn btn-primary" id="submit" style="width:100%;margin-top:14px">' + t.submit + '</button>' +
      '<p class="note">' + t.couponHint + '<br>' + t.demoNote + '</p></aside></div>';
    Array.prototype.forEach.call(document.querySelectorAll('.pay'), function (el) {
      el.addEventListener('click', function () {
        Array.prototype.forEach.call(document.querySelectorAll('.pay'), function (x) { x.classList.remove('on'); });
        el.classList.add('on');
      });
    });
    document.getElementById('submit').addEventListener('click', function (e) { e.target.textContent = t.demoSubmit; if (window.KefuWidget) window.KefuWidget.open(); });
    return { pageType: 'checkout', productId: p.id, category: p.category, title: t.checkout + ' · ' + name(p) };
  }

  function order(catalog, session) {
    var id = params.get('id');
    if (!session) {
      $main.innerHTML = '<section class="panel empty" style="margin:30px 0"><h1 style="font-size:20px">' + t.signIn + '</h1><p>' + t.signInText + '</p><button class="btn btn-primary" id="signin">' + t.signInBtn + '</button></section>';
      document.getElementById('signin').addEventListener('click', function () { localStorage.setItem('shop:customer', 'u1001'); location.reload(); });
      return { pageType: 'order', orderId: id || undefined };
    }
    var byId = {};
    catalog.products.forEach(function (p) { byId[p.id] = p; });
    var o = id && session.orders.find(function (x) { return x.id === id; });
    if (!o) {
      $main.innerHTML = '<div class="section-title"><h2>' + t.myOrders + '</h2><span>' + esc(session.customer.name) + '</span></div><div class="orders-list" style="margin-bottom:40px">' +
        (session.orders.length ? session.orders.map(function (x) {
          var first = byId[x.items[0].productId] || { category: 'phones', brand: '' };
          return '<a class="block order-row" href="order.html?id=' + esc(x.id) + '"><div class="line-item" style="border:0;padding:0">' + art(first) + '<div class="line-name">' + esc(x.items[0].name[lang] || x.items[0].name.zh) +
            '<small>' + t.orderNo + ' ' + esc(x.id) + ' · ' + new Date(x.createdAt).toLocaleDateString(lang === 'zh' ? 'zh-CN' : 'en-US') + '</small></div><span class="price">' + money(x.total) + '</span></div><span class="chip">' + (t.st[x.status] || x.status) + '</span></a>';
        }).join('') : '<div class="panel empty">' + t.noOrders + '</div>') + '</div>';
      return { pageType: 'order', title: t.myOrders };
    }
    var stage = { unpaid: 0, paid: 1, shipped: 3, delivered: 4, completed: 4, refunding: 4, refunded: 4, cancelled: 0 }[o.status] || 0;
    $main.innerHTML =
      '<nav class="crumbs"><a href="./">' + t.home + '</a>›<a href="order.html">' + t.myOrders + '</a>›<span>' + esc(o.id) + '</span></nav>' +
      '<div class="two-col"><div><section class="block status-hero"><div><span class="chip">' + (t.st[o.status] || o.status) + '</span><h1 style="margin-top:8px">' + t.order + '</h1>' +
      '<div class="sub" style="margin:6px 0 0">' + t.orderNo + ' <b>' + esc(o.id) + '</b> · ' + t.placed + ' ' + new Date(o.createdAt).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US') + '</div></div>' +
      (o.status === 'unpaid' ? '<a class="btn btn-primary" href="checkout.html?id=' + esc(o.items[0].productId) + '">' + t.stepPay + '</a>' : '') + '</section>' +
      '<section class="block"><h2>' + t.items2 + '</h2>' + o.items.map(function (it) {
        var p = byId[it.productId] || { category: 'phones', brand: '' };
        return '<div class="line-item">' + art(p) + '<div class="line-name">' + esc(it.name[lang] || it.name.zh) + '<small>' + (it.model ? t.model + ': ' + esc(it.model) + ' · ' : '') + '×' + it.quantity + '</small></div><span class="price">' + money(it.price * it.quantity) + '</span></div>';
      }).join('') + '<div class="sum-row total"><span>' + t.total + '</span><span class="price">' + money(o.total) + '</span></div></section></div>' +
      '<aside><section class="block"><h2>' + t.trackTitle + '</h2><ul class="timeline">' + t.tl.map(function (x, i) { return '<li class="' + (i <= stage && o.status !== 'cancelled' ? 'on' : '') + '">' + x + '</li>'; }).join('') + '</ul>' +
      (o.trackingNumber ? '<p class="note">' + t.tracking + ' ' + esc(o.trackingNumber) + '</p>' : '') + '</section>' +
      '<section class="block"><h2>' + t.address + '</h2><div class="note" style="margin:0;font-size:14px;color:var(--ink-2)">' + esc(session.customer.name) + '<br>' + esc(o.address || '') + '</div></section></aside></div>';
    return { pageType: 'order', orderId: o.id, title: t.order + ' ' + o.id };
  }

  // Boot: render, then start the widget with the entry context of what the shopper is looking at.
  header();
  var sessionP = customerId ? api('/shop/api/session/' + encodeURIComponent(customerId)).catch(function () { return null; }) : Promise.resolve(null);
  Promise.all([api('/shop/api/catalog'), sessionP]).then(function (r) {
    var catalog = r[0], session = r[1];
    var entry = (page === 'product' ? product : page === 'checkout' ? checkout : page === 'order' ? order : home)(catalog, session);
    entry.locale = lang === 'zh' ? 'zh-CN' : 'en-US';
    entry.url = location.href;
    if (!window.KefuWidget) return;
    var options = { tenant: 'default', entry: entry, language: lang, brandColor: BRAND, title: t.widgetTitle };
    if (session && session.token) options.token = session.token;
    window.KefuWidget.init(options);
  }).catch(function (error) {
    $main.innerHTML = '<div class="panel empty" style="margin:30px 0">' + esc(error.message) + '</div>';
  });
})();
