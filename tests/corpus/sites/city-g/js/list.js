(function () {
  var box = document.getElementById('ywList');
  var xhr = new XMLHttpRequest();
  xhr.open('GET', box.getAttribute('data-src'), true);
  xhr.onload = function () {
    var rows = JSON.parse(xhr.responseText).list, html = '';
    for (var i = 0; i < rows.length && i < Number(box.getAttribute('data-size')); i++) {
      html += '<li><a href="' + rows[i].url + '" target="_blank">' + rows[i].title +
              '</a><span>' + rows[i].date + '</span></li>';
    }
    box.innerHTML = html;
  };
  xhr.send();
})();
