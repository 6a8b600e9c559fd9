/** The widget's CSS, scoped by its shadow root: nothing leaks in or out of the host page. */
export const styles = `
.root{position:fixed;z-index:2147483000;bottom:20px;right:20px;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI","PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",Roboto,Helvetica,Arial,sans-serif;font-size:14px;font-weight:400;font-style:normal;line-height:1.45;letter-spacing:normal;text-align:left;text-transform:none;color:#1f2328;-webkit-font-smoothing:antialiased}
.root.left{right:auto;left:20px}
*{box-sizing:border-box}
button,textarea{font:inherit;letter-spacing:inherit;color:inherit;cursor:pointer}
textarea{cursor:text}
.launcher{position:relative;width:60px;height:60px;border-radius:50%;border:0;background:var(--kefu-brand);color:var(--kefu-on-brand);box-shadow:0 8px 24px rgba(15,23,42,.22),0 2px 6px rgba(15,23,42,.12);display:grid;place-items:center;transition:transform .18s ease,box-shadow .18s ease}
.launcher:hover{transform:translateY(-2px) scale(1.03);box-shadow:0 12px 28px rgba(15,23,42,.26)}
.launcher:focus-visible,.icon-btn:focus-visible,.send:focus-visible,.card-actions button:focus-visible,textarea:focus-visible{outline:3px solid var(--kefu-ring);outline-offset:2px}
.launcher svg{width:28px;height:28px}
.badge{position:absolute;top:-2px;right:-2px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#e5484d;color:#fff;font-size:12px;font-weight:600;display:grid;place-items:center;border:2px solid #fff}
.badge[hidden]{display:none}
.panel{position:absolute;bottom:76px;right:0;width:380px;height:min(620px,calc(100vh - 120px));background:#fff;border-radius:18px;box-shadow:0 24px 64px rgba(15,23,42,.24),0 4px 12px rgba(15,23,42,.08);display:flex;flex-direction:column;overflow:hidden;transform-origin:bottom right;animation:pop .18s ease-out}
 .root.left .panel{right:auto;left:0;transform-origin:bottom left}
.panel[hidden]{display:none}
@keyframes pop{from{opacity:0;transform:translateY(8px) scale(.98)}to{opacity:1;transform:none}}
header{background:linear-gradient(135deg,var(--kefu-brand),var(--kefu-brand-2));color:var(--kefu-on-brand);padding:16px 14px 16px 18px;display:flex;align-items:center;gap:12px}
.avatar{width:40px;height:40px;border-radius:50%;background:rgba(255,255,255,.22);display:grid;place-items:center;flex:none;position:relative}
.avatar svg{width:22px;height:22px}
.avatar::after{content:"";position:absolute;right:1px;bottom:1px;width:10px;height:10px;border-radius:50%;background:#30a46c;border:2px solid var(--kefu-brand)}
.avatar.off::after{background:#9ca3af}
.head{flex:1;min-width:0}
h2{margin:0;font-size:16px;font-weight:650;letter-spacing:.1px}
.sub{margin:2px 0 0;font-size:12.5px;opacity:.88;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.icon-btn{width:36px;height:36px;border-radius:10px;border:0;background:transparent;color:inherit;display:grid;place-items:center;flex:none}
.icon-btn:hover{background:rgba(255,255,255,.16)}
.icon-btn svg{width:20px;height:20px}
.banner{padding:9px 16px;font-size:12.5px;background:#f6f8fa;color:#57606a;border-bottom:1px solid #eaeef2;display:flex;align-items:center;gap:8px}
.banner[hidden]{display:none}
.banner.warn{background:#fff8e6;color:#7a5b00;border-color:#f5e3a3}
.banner .dot{width:8px;height:8px;border-radius:50%;background:var(--kefu-brand);flex:none}
.log{flex:1;overflow-y:auto;padding:18px 14px 8px;background:#fafbfc;display:flex;flex-direction:column;gap:10px;scroll-behavior:smooth}
.row{display:flex;flex-direction:column;align-items:flex-start;max-width:100%}
.row.me{align-items:flex-end}
.who{font-size:11.5px;color:#8c959f;margin:0 6px 3px}
.bubble{max-width:84%;padding:9px 13px;border-radius:16px 16px 16px 4px;background:#fff;border:1px solid #eaeef2;white-space:pre-wrap;word-wrap:break-word;overflow-wrap:anywhere;box-shadow:0 1px 1px rgba(15,23,42,.03)}
.me .bubble{background:var(--kefu-brand);color:var(--kefu-on-brand);border-color:transparent;border-radius:16px 16px 4px 16px}
.system .bubble{background:transparent;border:0;box-shadow:none;color:#8c959f;font-size:12.5px;text-align:center;align-self:center}
.row.system{align-items:center}
.bubble a{color:inherit}
.bubble img{display:block;max-width:220px;max-height:260px;border-radius:10px;margin:2px 0}
.bubble.media{padding:4px;background:transparent;border:0;box-shadow:none}
.meta{font-size:11px;color:#8c959f;margin:3px 6px 0}
.meta.failed{color:#cf222e}
.meta button{border:0;background:none;color:var(--kefu-brand);padding:0 0 0 6px;font-size:11px;text-decoration:underline}
.card{width:260px;background:#fff;border:1px solid #eaeef2;border-radius:14px;overflow:hidden;box-shadow:0 2px 8px rgba(15,23,42,.06);flex:none}
.card img{width:100%;height:140px;object-fit:cover;display:block;background:#f0f2f4}
.card-body{padding:12px 14px}
.card h3{margin:0;font-size:14.5px;font-weight:650}
.card .st{margin:2px 0 0;color:#57606a;font-size:12.5px}
.card p{margin:8px 0 0;color:#424a53;font-size:13px;white-space:pre-wrap}
.card dl{margin:10px 0 0;display:grid;grid-template-columns:auto 1fr;gap:4px 12px;font-size:12.5px}
.card dt{color:#8c959f}
.card dd{margin:0;text-align:right;font-weight:550}
.card-actions{display:flex;flex-direction:column;gap:6px;padding:0 14px 14px}
.card-actions button{width:100%;padding:8px 12px;border-radius:10px;border:1px solid #d0d7de;background:#fff;color:#1f2328;font-weight:550}
.card-actions button:hover{background:#f6f8fa}
.card-actions button.primary{background:var(--kefu-brand);border-color:var(--kefu-brand);color:var(--kefu-on-brand)}
.card-actions button.danger{color:#cf222e}
.carousel{display:flex;gap:10px;overflow-x:auto;max-width:100%;padding-bottom:4px;scroll-snap-type:x mandatory}
.carousel .card{scroll-snap-align:start}
.typing{font-size:12px;color:#8c959f;padding:0 18px 6px;min-height:18px;background:#fafbfc}
.chips{display:flex;gap:6px;overflow-x:auto;padding:6px 10px;background:#fafbfc;scrollbar-width:none}.chips[hidden]{display:none}.chip{flex:none;border:1px solid var(--kefu-ring);background:#fff;color:var(--kefu-brand);border-radius:999px;padding:5px 11px;font:inherit;font-size:12.5px;cursor:pointer;white-space:nowrap;max-width:240px;overflow:hidden;text-overflow:ellipsis}.chip:hover,.chip:focus-visible{background:var(--kefu-brand);color:var(--kefu-on-brand);outline:none}
.composer{display:flex;align-items:flex-end;gap:6px;padding:10px 10px 12px;border-top:1px solid #eaeef2;background:#fff}
.composer .icon-btn{color:#57606a}
.composer .icon-btn:hover{background:#f3f4f6}
.composer .icon-btn[hidden]{display:none}
textarea{flex:1;resize:none;border:1px solid #d0d7de;border-radius:12px;padding:9px 12px;font:inherit;color:inherit;min-height:40px;max-height:120px;line-height:1.4;background:#fff}
textarea:focus{border-color:var(--kefu-brand);outline:none;box-shadow:0 0 0 3px var(--kefu-ring)}
.send{width:40px;height:40px;border-radius:12px;border:0;background:var(--kefu-brand);color:var(--kefu-on-brand);display:grid;place-items:center;flex:none}
.send:disabled{opacity:.45;cursor:default}
.send svg{width:18px;height:18px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.brand{font-size:10.5px;color:#a0a7b0;text-align:center;padding:0 0 8px;background:#fff}
@media (max-width:480px){
.root{bottom:16px;right:16px}
.panel{position:fixed;inset:0;width:100%;height:100%;border-radius:0;bottom:0;animation:none}
.root.open .launcher{display:none}
}
@media (prefers-reduced-motion:reduce){.panel,.launcher{animation:none;transition:none}}
`;
