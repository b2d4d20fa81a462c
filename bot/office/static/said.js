// Shows what the last action said (passed in the address fragment after a form post).
(function () {
  "use strict";
  var said = document.getElementById("said");
  var hash = window.location.hash;
  if (said && hash.indexOf("#said=") === 0) said.textContent = decodeURIComponent(hash.slice(6));
})();
