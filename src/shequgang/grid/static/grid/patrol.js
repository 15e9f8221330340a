// Patrol page: while a patrol is open, record the phone's position (with the user's
// permission) and post the fixes to the patrol's track in small batches. The last fix
// also fills the report form's hidden latitude/longitude. Local script, no CDN.
(function () {
  "use strict";
  var box = document.getElementById("patrol");
  var status = document.getElementById("gps-status");
  // The state shown is the real one: 定位中 until a fix arrives, then the fix's accuracy,
  // or 无法定位 with the reason (never "±0 米": a fix without an accuracy says so).
  if (!box) return;
  if (!window.isSecureContext) {
    if (status) status.textContent = "无法定位：浏览器只在 HTTPS 连接下提供定位，仅记录起止时间";
    return;
  }
  if (!("geolocation" in navigator)) {
    if (status) status.textContent = "无法定位：此设备或浏览器不支持定位，仅记录起止时间";
    return;
  }
  var url = box.dataset.trackUrl;
  var csrf = box.dataset.csrf;
  var pending = [];
  var sending = false;
  var FLUSH_MS = 30000;
  var BATCH = 20;

  function say(text) { if (status) status.textContent = text; }

  // GeolocationPositionError codes: 1 permission denied, 2 position unavailable, 3 timeout.
  var REASONS = {
    1: "无法定位：未允许本网站使用定位，仅记录起止时间",
    2: "无法定位：设备取不到位置信号（室内或定位服务已关闭）",
    3: "无法定位：定位超时，正在重试"
  };

  function accuracyText(accuracy) {
    if (typeof accuracy !== "number" || !isFinite(accuracy) || accuracy <= 0) {
      return "已定位（设备未报告精度）";
    }
    return "已定位，精度 " + Math.max(1, Math.round(accuracy)) + " 米";
  }

  var lastFix = "定位中…";
  say(lastFix);

  function fillReport(coords) {
    var form = document.getElementById("report-form");
    if (!form) return;
    if (form.elements.latitude) form.elements.latitude.value = coords.latitude.toFixed(6);
    if (form.elements.longitude) form.elements.longitude.value = coords.longitude.toFixed(6);
  }

  function flush() {
    if (sending || pending.length === 0) return;
    var batch = pending.splice(0, 500);
    sending = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ points: batch })
    }).then(function (response) {
      if (response.ok) {
        say(lastFix + "，轨迹已记录");
      } else if (response.status >= 500) {
        pending = batch.concat(pending);  // try again on the next flush
      } else {
        say("轨迹未能保存（" + response.status + "）");
      }
    }).catch(function () {
      pending = batch.concat(pending);  // offline: keep the fixes for later
      say("网络不可用，轨迹暂存在本机");
    }).then(function () { sending = false; });
  }

  navigator.geolocation.watchPosition(function (pos) {
    var c = pos.coords;
    pending.push({
      at: new Date(pos.timestamp).toISOString(),
      latitude: c.latitude,
      longitude: c.longitude,
      accuracy: c.accuracy
    });
    fillReport(c);
    lastFix = accuracyText(c.accuracy);
    say(lastFix);
    if (pending.length >= BATCH) flush();
  }, function (err) {
    say(REASONS[err.code] || "无法定位：" + (err.message || "原因不明"));
  }, { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 });

  setInterval(flush, FLUSH_MS);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush();
  });
  var end = box.querySelector("form");
  if (end) end.addEventListener("submit", flush);
})();
