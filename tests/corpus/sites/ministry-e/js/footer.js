document.write('<div class="foot">');
document.write('<p><a href="/ministry-e/wzdt/">网站地图</a> | <a href="/ministry-e/lxwm.html">联系我们</a></p>');
document.write('<p>国家山地资源局主办　国家山地资源局信息中心承办</p>');
document.write('<p>网站标识码：bm36000015　<a href="https://beian.miit.gov.cn/" target="_blank">京ICP备05070218号</a>　<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010502030718" target="_blank">京公网安备11010502030718号</a></p>');
document.write('<span id="_ideConac"></span><script type="text/javascript" src="https://dcs.conac.cn/js/33/000/0000/40671431/CA330000000406714310001.js"></' + 'script>');
document.write('</div>');
