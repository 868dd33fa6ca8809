(function () {
  var data = JSON.parse(document.getElementById('site-data').textContent);
  var nav = document.getElementById('nav'), html = '';
  data.nav.forEach(function (n) { html += '<a href="' + n.url + '">' + n.name + '</a>'; });
  nav.innerHTML = html;
  var app = document.getElementById('app'); html = '';
  data.blocks.forEach(function (b) {
    html += '<section class="block"><h2><a href="' + b.more + '">' + b.name + '</a></h2><ul>';
    b.items.forEach(function (it) {
      html += '<li><a href="' + it.url + '">' + it.title + '</a><i>' + it.date + '</i></li>';
    });
    html += '</ul></section>';
  });
  app.innerHTML = html;
})();
