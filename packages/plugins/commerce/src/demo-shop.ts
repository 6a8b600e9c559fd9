import type { Coupon, Customer, Order, OrderItem, OrderStatus, Product, Promotion, Tracking } from './provider.js';

/** The seeded demo shop: a catalog, customers with order histories, tracks, coupons, promotions. */
export interface DemoShop {
  products: Product[];
  customers: Customer[];
  orders: Order[];
  tracking: Tracking[];
  coupons: Coupon[];
  /** Coupons claimed per customer id. */
  claimed: Record<string, Coupon[]>;
  promotions: Promotion[];
}

type Row = [brand: string, zh: string, en: string, priceYuan: number, models?: string[]];

const CATALOG: Record<string, Row[]> = {
  phones: [
    ['Apple', 'iPhone 16 手机 128GB', 'iPhone 16 Phone 128GB', 5999, ['A3287']],
    ['Apple', 'iPhone 16 Pro 手机 256GB', 'iPhone 16 Pro Phone 256GB', 8999, ['A3293']],
    ['Huawei', '华为 Mate 70 手机', 'Huawei Mate 70 Phone', 5499, ['CLS-AL00']],
    ['Huawei', '华为 nova 13 手机', 'Huawei nova 13 Phone', 2699, ['BLK-AL00']],
    ['Xiaomi', '小米 15 手机', 'Xiaomi 15 Phone', 4499, ['24129PN74C']],
    ['Xiaomi', 'Redmi K80 手机', 'Redmi K80 Phone', 2499, ['24122RKC7C']],
    ['OPPO', 'OPPO Find X8 手机', 'OPPO Find X8 Phone', 4199, ['PKB110']],
    ['vivo', 'vivo X200 手机', 'vivo X200 Phone', 4299, ['V2405A']],
    ['Honor', '荣耀 Magic7 手机', 'Honor Magic7 Phone', 4499, ['PTP-AN00']],
  ],
  headphones: [
    ['Apple', 'AirPods Pro 2 降噪耳机', 'AirPods Pro 2 Noise-cancelling Earbuds', 1899, ['A2931']],
    ['Apple', 'AirPods 4 耳机', 'AirPods 4 Earbuds', 999, ['A3053']],
    ['Sony', '索尼 WH-1000XM5 头戴式降噪耳机', 'Sony WH-1000XM5 Over-ear Headphones', 2499, ['WH-1000XM5']],
    ['Sony', '索尼 WF-1000XM5 真无线耳机', 'Sony WF-1000XM5 True Wireless Earbuds', 1799, ['WF-1000XM5']],
    ['Huawei', '华为 FreeBuds Pro 4 耳机', 'Huawei FreeBuds Pro 4 Earbuds', 1499, ['T0020']],
    ['Xiaomi', '小米 Buds 5 耳机', 'Xiaomi Buds 5 Earbuds', 699, ['M2341E1']],
    ['Bose', 'Bose QC 消噪耳机 Ultra', 'Bose QuietComfort Ultra Headphones', 2999, ['QCUH']],
    ['Edifier', '漫步者 W820NB 耳机', 'Edifier W820NB Headphones', 299, ['W820NB']],
  ],
  baby: [
    ['Aptamil', '爱他美 婴儿奶粉 1段 800g', 'Aptamil Infant Formula Stage 1 800g', 328],
    ['Aptamil', '爱他美 较大婴儿奶粉 2段 800g', 'Aptamil Follow-on Formula Stage 2 800g', 318],
    ['Pampers', '帮宝适 一级帮纸尿裤 M码 50片', 'Pampers Premium Diapers M 50 pcs', 139],
    ['Huggies', '好奇 铂金装纸尿裤 L码 40片', 'Huggies Platinum Diapers L 40 pcs', 129],
    ['Pigeon', '贝亲 宽口径玻璃奶瓶 240ml', 'Pigeon Wide-neck Glass Bottle 240ml', 119],
    ['Babycare', 'babycare 婴儿推车 轻便折叠', 'babycare Lightweight Folding Stroller', 1299, ['BC-S1']],
    ['Joie', '奇蒂 汽车安全座椅 0-4岁', 'Joie Car Seat 0–4 years', 1899, ['C1706']],
    ['Medela', '美德乐 电动吸奶器 丝韵', 'Medela Swing Electric Breast Pump', 1680, ['Swing']],
  ],
  beauty: [
    ['Estee Lauder', '雅诗兰黛 小棕瓶精华 50ml', 'Estée Lauder Advanced Night Repair 50ml', 760],
    ['Lancome', '兰蔻 小黑瓶精华 50ml', 'Lancôme Advanced Génifique 50ml', 1080],
    ['SK-II', 'SK-II 神仙水 230ml', 'SK-II Facial Treatment Essence 230ml', 1540],
    ['Shiseido', '资生堂 红腰子精华 50ml', 'Shiseido Ultimune Concentrate 50ml', 750],
    ['L\'Oreal', '欧莱雅 复颜玻尿酸面霜 50ml', 'L\'Oréal Revitalift Filler Cream 50ml', 269],
    ['Dyson', '戴森 吹风机 HD15', 'Dyson Supersonic Hair Dryer HD15', 3199, ['HD15']],
    ['Philips', '飞利浦 电动牙刷 HX9911', 'Philips Sonicare HX9911', 1299, ['HX9911']],
    ['Olay', '玉兰油 大红瓶面霜 50g', 'Olay Regenerist Cream 50g', 299],
  ],
  apparel: [
    ['Nike', '耐克 Air Force 1 运动鞋', 'Nike Air Force 1 Sneakers', 799, ['CW2288']],
    ['Adidas', '阿迪达斯 Samba 板鞋', 'Adidas Samba Shoes', 899, ['B75806']],
    ['Uniqlo', '优衣库 高级轻型羽绒服', 'Uniqlo Ultra Light Down Jacket', 499],
    ['Anta', '安踏 KT9 篮球鞋', 'Anta KT9 Basketball Shoes', 1299, ['KT9']],
    ['Li-Ning', '李宁 超轻21 跑鞋', 'Li-Ning Super Light 21 Running Shoes', 599, ['ARBU001']],
    ['Bosideng', '波司登 鹅绒羽绒服 长款', 'Bosideng Long Goose-down Coat', 1999],
    ['Lululemon', 'lululemon Align 瑜伽裤', 'lululemon Align Leggings', 850],
    ['Uniqlo', '优衣库 摇粒绒外套', 'Uniqlo Fleece Jacket', 199],
  ],
};

const DAY = 86_400_000;

function hashImage(seed: string): string {
  // A neutral placeholder image that needs no outside host: an inline SVG with the brand initial.
  const hue = [...seed].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);
  const letter = seed.slice(0, 1).toUpperCase();
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240"><rect width="240" height="240" rx="24" fill="hsl(${hue},55%,88%)"/><text x="120" y="150" font-size="110" text-anchor="middle" font-family="Arial" fill="hsl(${hue},45%,35%)">${letter}</text></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/**
 * Builds the demo shop deterministically (same data on every start), with dates relative to `now`.
 * `shopUrl` is where product pages live (the example server's demo shop).
 */
export function buildDemoShop(now: number, shopUrl = '/shop'): DemoShop {
  const products: Product[] = [];
  for (const [category, rows] of Object.entries(CATALOG)) {
    rows.forEach(([brand, zh, en, price, models], i) => {
      const id = `${category.slice(0, 2)}-${String(i + 1).padStart(3, '0')}`;
      products.push({
        id,
        name: { zh, en },
        brand,
        category,
        price: price * 100,
        imageUrl: hashImage(brand),
        url: `${shopUrl}/product.html?id=${id}`,
        ...(models ? { models } : {}),
        tags: [`brand:${brand.toLowerCase()}`, `category:${category}`],
        stock: 20 + ((i * 37) % 180),
        ...(models
          ? {
              manual: models.map((model) => ({
                model,
                title: `${en} (${model})`,
                steps: [
                  `开箱检查配件 / Check the box contents for ${model}`,
                  '首次使用前充满电 / Charge fully before first use',
                  '长按电源键 3 秒开机并按提示配对 / Hold the power button 3 s and follow the pairing prompt',
                  '保修卡请妥善保存 / Keep the warranty card',
                ],
              })),
            }
          : {}),
      });
    });
  }
  const byId = new Map(products.map((p) => [p.id, p]));
  const item = (productId: string, quantity = 1): OrderItem => {
    const p = byId.get(productId)!;
    return { productId, name: p.name, ...(p.models?.[0] ? { model: p.models[0] } : {}), quantity, price: p.price, imageUrl: p.imageUrl };
  };

  const customers: Customer[] = [
    { id: 'u1001', name: '王小明', phone: '+8613800001001', email: 'xiaoming@example.com', credit: 820, tier: 'vip', tags: ['brand:apple', 'category:phones', 'price:high'] },
    { id: 'u1002', name: '李娜', phone: '+8613800001002', email: 'lina@example.com', credit: 690, tier: 'normal', tags: ['brand:xiaomi', 'category:headphones', 'price:mid', '母婴'] },
    { id: 'u1003', name: 'Emily Chen', phone: '+8613800001003', email: 'emily@example.com', credit: 750, tier: 'normal', tags: ['brand:sony', 'lang:en'] },
    { id: 'u1004', name: '张伟', phone: '+8613800001004', email: 'zhangwei@example.com', credit: 560, tier: 'partner', tags: ['brand:huawei'] },
    { id: 'u1005', name: '刘洋', phone: '+8613800001005', credit: 430, tier: 'normal', tags: [] },
  ];

  const orders: Order[] = [];
  const tracking: Tracking[] = [];
  const addOrder = (id: string, customerId: string, status: OrderStatus, items: OrderItem[], daysAgo: number, address = '上海市浦东新区世纪大道 100 号') => {
    const createdAt = now - daysAgo * DAY;
    const paid = status !== 'unpaid' && status !== 'cancelled';
    const shipped = ['shipped', 'delivered', 'completed', 'refunding', 'refunded'].includes(status);
    const order: Order = {
      id,
      customerId,
      status,
      items,
      total: items.reduce((s, it) => s + it.price * it.quantity, 0),
      createdAt,
      ...(paid ? { paidAt: createdAt + 600_000 } : {}),
      ...(shipped ? { shippedAt: createdAt + DAY, trackingNumber: `SF${id.replace(/\D/g, '').padStart(12, '7')}` } : {}),
      address,
    };
    orders.push(order);
    if (shipped) {
      const delivered = status !== 'shipped';
      tracking.push({
        orderId: id,
        carrier: '顺丰速运 SF Express',
        trackingNumber: order.trackingNumber!,
        courier: { name: '陈师傅', phone: '+8613900002000' },
        status: delivered ? 'delivered' : 'out_for_delivery',
        events: [
          { at: createdAt + DAY, station: '深圳宝安集散中心', description: { zh: '快件已揽收', en: 'Picked up' } },
          { at: createdAt + 1.5 * DAY, station: '华东航空枢纽', description: { zh: '快件已到达转运中心', en: 'Arrived at the hub' } },
          { at: createdAt + 2 * DAY, station: '上海浦东世纪大道营业点', description: { zh: '快件派送中，快递员：陈师傅', en: 'Out for delivery with courier Chen' } },
          ...(delivered ? [{ at: createdAt + 2.3 * DAY, station: '上海浦东世纪大道营业点', description: { zh: '已签收，签收人：本人', en: 'Delivered, signed by the recipient' } }] : []),
        ],
      });
    }
  };
  addOrder('O20261101', 'u1001', 'completed', [item('ph-001')], 22);
  addOrder('O20261108', 'u1001', 'shipped', [item('he-001')], 2);
  addOrder('O20261110', 'u1001', 'unpaid', [item('be-006')], 0.1);
  addOrder('O20261102', 'u1002', 'delivered', [item('ba-001', 2), item('ba-003')], 6);
  addOrder('O20261109', 'u1002', 'paid', [item('he-006')], 1);
  addOrder('O20261111', 'u1002', 'unpaid', [item('ba-006')], 0.05);
  addOrder('O20261103', 'u1003', 'refunding', [item('he-003')], 9);
  addOrder('O20261104', 'u1003', 'completed', [item('ap-007')], 30);
  addOrder('O20261105', 'u1004', 'cancelled', [item('ph-003')], 12);
  addOrder('O20261106', 'u1004', 'refunded', [item('he-005')], 40);
  addOrder('O20261107', 'u1004', 'shipped', [item('ph-004')], 3);

  const coupons: Coupon[] = [
    { id: 'C-NEW20', title: { zh: '新人券 满199减20', en: '¥20 off ¥199 for new customers' }, amount: 2000, minSpend: 19900, expiresAt: now + 30 * DAY, status: 'available', issuableBy: 'agent' },
    { id: 'C-1111-100', title: { zh: '双11 满999减100', en: 'Singles\' Day ¥100 off ¥999' }, amount: 10000, minSpend: 99900, expiresAt: now + 10 * DAY, status: 'available', issuableBy: 'agent' },
    { id: 'C-SORRY50', title: { zh: '补偿券 无门槛50元', en: '¥50 apology coupon, no minimum' }, amount: 5000, minSpend: 0, expiresAt: now + 60 * DAY, status: 'available', issuableBy: 'supervisor' },
    { id: 'C-VIP300', title: { zh: 'VIP 满3000减300', en: 'VIP ¥300 off ¥3000' }, amount: 30000, minSpend: 300000, expiresAt: now + 30 * DAY, status: 'available', issuableBy: 'admin' },
  ];
  const promotions: Promotion[] = [
    { id: 'P-1111', title: { zh: '双11 全场9折', en: 'Singles\' Day: 10% off everything' }, productIds: [], percentOff: 10, endsAt: now + 7 * DAY },
    { id: 'P-AUDIO', title: { zh: '耳机立减200 送收纳包', en: 'Headphones ¥200 off + free case' }, productIds: products.filter((p) => p.category === 'headphones').map((p) => p.id), amountOff: 20000, gift: { zh: '耳机收纳包', en: 'Carrying case' }, endsAt: now + 7 * DAY },
  ];
  return { products, customers, orders, tracking, coupons, claimed: {}, promotions };
}
