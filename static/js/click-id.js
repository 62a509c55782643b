/*!
 * partner-portal click-id keeper — put this on the shop's own pages.
 * Saves the click_id that tracking links append to the landing URL in a first-party
 * cookie on the shop's domain, so checkout can report it with the conversion even if the
 * visitor browses for days first. No dependencies; nothing leaves the page.
 *
 *   <script src="/js/click-id.js" data-days="30" defer></script>
 *   PartnerPortal.clickId()   // -> the saved click_id, or null
 */
(function () {
  "use strict";
  var NAME = "pp_click_id";
  var script = document.currentScript;
  var days = parseInt((script && script.getAttribute("data-days")) || "30", 10);

  function read() {
    var match = document.cookie.match(/(?:^|;\s*)pp_click_id=([A-Za-z0-9._-]+)/);
    return match ? match[1] : null;
  }

  var fromUrl = new URLSearchParams(window.location.search).get("click_id");
  if (fromUrl && /^[A-Za-z0-9._-]{10,120}$/.test(fromUrl)) {
    var secure = window.location.protocol === "https:" ? "; Secure" : "";
    document.cookie = NAME + "=" + fromUrl + "; Max-Age=" + days * 86400 +
      "; Path=/; SameSite=Lax" + secure;
  }

  window.PartnerPortal = window.PartnerPortal || {};
  window.PartnerPortal.clickId = read;
})();
