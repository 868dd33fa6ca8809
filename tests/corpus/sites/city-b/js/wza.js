var wza = {
  toggle: function () { document.body.classList.toggle('wza-on'); },
  elder: function () { document.documentElement.style.fontSize = '20px'; }
};
