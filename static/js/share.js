// Share page: as the message is edited, the share buttons and the copyable text follow it
// (the same links the server builds when the form is submitted without script).
(function () {
  "use strict";
  var list = document.querySelector("[data-share-url]");
  var message = document.getElementById("message");
  if (!list || !message) { return; }
  var link = list.dataset.shareUrl, subject = list.dataset.shareSubject;
  var enc = encodeURIComponent;
  var builders = {
    email: function (m) { return "mailto:?subject=" + enc(subject) + "&body=" + enc(m ? m + "\n\n" + link : link); },
    x: function (m) { return "https://twitter.com/intent/tweet?" + (m ? "text=" + enc(m) + "&" : "") + "url=" + enc(link); },
    linkedin: function () { return "https://www.linkedin.com/sharing/share-offsite/?url=" + enc(link); },
    whatsapp: function (m) { return "https://wa.me/?text=" + enc(m ? m + " " + link : link); }
  };
  var text = document.getElementById("share-text");
  var refresh = document.querySelector("[data-share-refresh]");
  var what = document.getElementById("what");
  var update = function () {
    var m = message.value.trim();
    list.querySelectorAll("a[data-share]").forEach(function (a) {
      var build = builders[a.dataset.share];
      if (build) { a.href = build(m); }
    });
    if (text) { text.value = (m + " " + link).trim(); }
  };
  message.addEventListener("input", update);
  // Choosing another link reloads the page with that link and its own default message.
  if (what) {
    what.addEventListener("change", function () {
      message.disabled = true;
      what.form.submit();
    });
  }
  if (refresh) { refresh.hidden = true; }
})();
