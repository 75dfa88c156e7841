Los médicos abren las cartas en la escuela.
La niña amable compra la sopa fresca.
Cada día el alumno besa al niño en el jardín.
Por la mañana la mujer persiguió a la niña en el parque.
El médico amable alimentó al niño.
El hombre come la patata en el jardín.
El caballo cansado mordió al cocinero en la escuela.
El pato blanco olió las flores blancas.
El cocinero feliz escondió los periódicos.
Los alumnos inteligentes trajeron la flor negra.
Ayer el hombre amable compró las pelotas en la cocina.
Los cocineros inteligentes limpiaron la silla en la cocina.
Por la mañana los hombres jóvenes alimentaron al pájaro en el jardín.
Cada día el profesor trae la flor grande.
La niña escribe las cartas en la escuela.
Los niños jóvenes visitaron a la mujer.
Los niños hambrientos lavaron las manzanas.
Hoy el perro escondió la flor.
Los patos oyeron a la mujer.
El pato mordió la manzana en el jardín.
La mujer besó al pato.
Ayer el cocinero limpió la silla en la escuela.
La niña amable cierra las puertas nuevas.
La mujer trajo las llaves.
La mujer inteligente besa al ratón.
Los pájaros persiguen a los niños.
La niña amable cierra la puerta en la cocina.
Los niños felices llamaron a la mujer.
Hoy los cocineros escribieron la carta pequeña.
Cada día el médico amable trae la flor en el jardín.
La mujer amable cocina la sopa.
Hoy el alumno cansado llamó al gato pequeño.
Ayer la mujer abrió la ventana en el jardín.
Los gatos felices atrapan al ratón.
El caballo muerde el pastel.
El pájaro cansado escondió el libro grande en la escuela.
El médico feliz lavó el coche en la escuela.
Hoy los pájaros vieron al pato en el parque.
Ayer los alumnos amables cocinaron la sopa barata.
Los médicos dibujaron el pastel barato.
Cada día los hombres dibujan la flor nueva.
El profesor amable compra la manzana roja.
Cada día la niña come el plátano barato.
El profesor olió el pastel dulce en el jardín.
El hombre dibuja a los conejos hermosos.
La mujer visitó al niño hambriento en la escuela.
Las niñas cansadas oyeron a la vaca.
Hoy el niño cocina las patatas.
El cocinero cerró la puerta hermosa en la cocina.
Por la mañana el conejo pequeño escondió las cartas.
Los alumnos cocinaron el huevo fresco.
Cada día el cocinero besa al niño cansado.
La mujer hambrienta dibujó al ratón amable en el parque.
El hombre joven besa a los conejos pequeños en el parque.
El niño amable vio el coche en el parque.
Por la mañana el alumno cerró la puerta en la escuela.
El alumno joven cerró la ventana pequeña.
Cada día el cocinero hambriento lava la manzana barata.
Los alumnos felices cierran la ventana en la escuela.
El conejo cansado persigue a las mujeres en la escuela.
La niña cansada llamó a los caballos felices.
Los conejos hambrientos atraparon al ratón negro en el jardín.
Las mujeres atraparon al gato en la cocina.
Los alumnos felices dibujan las sillas viejas en el parque.
La mujer cerró la ventana en la escuela.
Las mujeres abren la carta vieja.
El profesor come los huevos.
Cada día los pájaros hermosos huelen la flor barata.
El médico escribe el libro en el jardín.
Las vacas felices esconden la llave.
El conejo encontró la llave en el jardín.
El pato mordió a la mujer en el jardín.
La mujer amable escribió la carta grande.
El alumno feliz besa a la vaca hambrienta.
La niña amable alimenta a la vaca.
Por la mañana el alumno lavó al gato grande.
Los cocineros jóvenes venden las sopas baratas.
La mujer trae los tomates.
Por la mañana el hombre joven cocinó la sopa dulce.
El profesor joven besa al caballo.
El conejo pequeño olió el pastel.
Los perros huelen el tomate.
La niña inteligente lanza el huevo.
El médico alimentó al ratón.
La mujer amable encuentra las manzanas en el parque.
La mujer compró el perro en la escuela.
Cada día los alumnos venden los conejos.
Ayer el médico feliz besó al hombre cansado.
La mujer inteligente visitó al hombre amable.
Ayer el caballo persiguió a la vaca grande.
Por la mañana el hombre joven ve a los caballos en el parque.
La niña amable encontró la llave en la cocina.
El cocinero esconde el huevo.
Los hombres jóvenes trajeron la manzana.
El niño atrapó la pelota.
Por la mañana los cocineros cocinaron la sopa.
El profesor visitó al cocinero.
Hoy el pájaro vio a los conejos pequeños en el parque.
Cada día el profesor inteligente lava el tomate.
El profesor feliz esconde los huevos dulces en la cocina.
La niña feliz limpió la mesa.
Los profesores cerraron las puertas.
Hoy el hombre feliz besó a la mujer.
Por la mañana el cocinero inteligente vende el gato en la cocina.
El médico amable comió el huevo dulce en la escuela.
Ayer el cocinero besó al niño joven.
Los profesores hambrientos besaron a la mujer en la escuela.
El médico joven esconde los libros en el parque.
Por la mañana la mujer compra los plátanos baratos en el parque.
La niña feliz lanzó el plátano dulce.
Hoy el hombre feliz vendió el conejo feliz.
Hoy la mujer amable cierra la ventana blanca.
Los médicos amables lanzaron la llave roja.
El cocinero feliz huele las flores caras.
El profesor besó al ratón cansado en la escuela.
Los hombres cansados besaron a los cocineros en el jardín.
El profesor besa al ratón amable.
Los alumnos jóvenes llaman a las vacas blancas en el parque.
Ayer el niño inteligente encontró la llave nueva.
Por la mañana el caballo encuentra la mesa roja en la cocina.
Por la mañana el alumno lavó a la vaca.
El alumno atrapa al pájaro blanco en el jardín.
Los alumnos jóvenes abren la carta.
El médico amable trajo la sopa en el jardín.
Cada día los médicos amables escriben las cartas blancas.
Ayer los médicos amables compraron las sopas rojas.
El hombre encuentra la flor vieja en la cocina.
El gato feliz atrapa a los conejos hermosos.
Por la mañana los cocineros amables esconden el libro pequeño.
Los niños escriben los libros.
La niña inteligente encontró el libro rojo.
El médico besó al ratón hambriento.
Hoy los niños lavan el tomate fresco.
El pato negro muerde al alumno.
El niño cansado compra los caballos en el jardín.
El caballo hermoso vio la carta blanca.
El niño cansado abrió la puerta.
El cocinero cocina la sopa en la escuela.
Ayer el médico comió las sopas baratas.
Ayer la vaca persiguió al médico.
El médico joven escribió el libro barato en el parque.
Ayer el profesor vendió las ventanas.
Por la mañana las niñas amables abrieron los libros.
Hoy la niña inteligente visitó al cocinero.
Los cocineros cocinaron el huevo.
Los médicos llamaron al pájaro.
El profesor amable vendió el gato hambriento.
Los caballos pequeños oyeron a las mujeres hambrientas.
Ayer la niña cansada persiguió al caballo en el parque.
El niño alimentó a los ratones.
Los alumnos compraron la puerta grande.
El caballo oyó a los pájaros en el parque.
La niña persigue al médico en la cocina.
Por la mañana los médicos compran el tomate.
El cocinero cansado escribió los libros.
Los niños comieron el huevo barato en el parque.
El profesor visitó a la mujer.
Las niñas besaron a los ratones.
El cocinero cerró la ventana en el jardín.
El cocinero llamó al profesor en la escuela.
Las niñas hambrientas comen las sopas.
El cocinero joven comió la manzana fresca en el jardín.
El médico hambriento alimentó al ratón.
Los alumnos abren la carta pequeña.
El caballo oye al profesor joven.
El hombre lavó al perro grande.
El cocinero cansado huele la flor.
El profesor dibujó a la vaca en el parque.
Los caballos negros escondieron la carta en la cocina.
Hoy los profesores inteligentes oyen a la mujer feliz en la cocina.
Los niños llamaron a los patos felices.
Los hombres visitaron al cocinero joven.
El niño vendió la pelota.
El profesor abre la ventana vieja.
Hoy los hombres cansados cocinaron la patata.
El profesor joven alimenta a la vaca.
El hombre joven cierra la puerta en el parque.
Ayer las mujeres visitaron al profesor amable.
La niña dibuja al profesor cansado en el parque.
Ayer el pájaro encontró a los niños.
Por la mañana los pájaros olieron el pastel.
Hoy el médico amable dibujó al niño feliz.
Los médicos lanzan la llave grande.
Hoy el profesor encontró al médico joven.
Las mujeres inteligentes olieron las flores viejas en la escuela.
El alumno joven visita al profesor.
Por la mañana el hombre hambriento olió el pastel dulce.
La niña oye a los niños.
Ayer la mujer cansada comió los tomates dulces en la escuela.
Los hombres oyen a los caballos negros.
Por la mañana los alumnos cierran las puertas en el parque.
Hoy el niño besa al conejo en el parque.
El alumno joven cerró la ventana blanca.
Ayer el niño hambriento vio el plátano.
Ayer los niños limpiaron las mesas negras.
Los médicos encuentran al gato feliz.
Los patos huelen los plátanos baratos.
El hombre hambriento dibuja la pelota barata.
Las mujeres olieron el tomate dulce en el parque.
El niño besa a la niña en el parque.
El profesor joven escondió el periódico negro.
La mujer limpió la puerta en el jardín.
El hombre alimenta al conejo.
El pájaro mordió los tomates baratos en la cocina.
La niña joven llama al profesor joven en el parque.
La mujer lavó la mesa en la cocina.
La niña llama al niño.
Cada día el niño inteligente trae el periódico caro.
La mujer joven escribe las cartas caras.
Cada día la mujer abre la puerta en la escuela.
Ayer el caballo pequeño encontró los pasteles baratos.
El profesor amable comió las patatas dulces.
El cocinero cansado alimentó al niño joven.
El conejo ve la manzana.
Los hombres jóvenes abren las cartas.
El ratón vio al conejo grande.
Por la mañana el médico amable come los plátanos baratos en la escuela.
Hoy el médico amable visitó a las mujeres felices.
Cada día los niños amables ven a la mujer en la escuela.
El gato feliz muerde al perro pequeño.
Los médicos hambrientos cocinan el huevo.
Por la mañana la niña inteligente trae los libros nuevos.
El hombre cerró las puertas.
Las niñas cocinan el huevo.
Hoy los niños dibujan la flor.
Los ratones escondieron los libros en la cocina.
El cocinero inteligente ve a las vacas grandes.
La niña joven llamó al médico feliz en la cocina.
El hombre escribió el libro.
El hombre vendió la pelota hermosa en el parque.
Cada día el profesor abre el libro.
Los alumnos comieron el plátano barato.
Ayer la mujer feliz lavó el tomate.
Los médicos amables compraron las llaves.
El perro grande vio los coches baratos en el jardín.
Por la mañana el caballo hambriento ve al alumno inteligente en la escuela.
Ayer la niña lavó el coche.
Ayer los profesores jóvenes encontraron al médico feliz.
La niña limpió la ventana roja en la escuela.
El alumno inteligente alimenta al niño.
El alumno feliz lavó a los gatos en la escuela.
Hoy el médico hambriento persigue al profesor.
Los profesores hambrientos lavan la manzana.
Cada día los hombres comen las sopas.
Ayer los patos persiguieron a los niños cansados en la cocina.
Cada día el médico cansado oye al gato.
El niño abrió la puerta grande.
El hombre inteligente oye a los caballos en la cocina.
El cocinero lava a los gatos cansados.
Ayer el alumno comió el plátano.
La niña lava a los perros.
El hombre joven vende el plátano.
El cocinero vende la silla negra.
El hombre inteligente visita a la mujer.
Las mujeres ven al cocinero feliz en el jardín.
Los cocineros besan a la vaca.
Los médicos venden los perros.
Cada día el cocinero cocina la patata.
La mujer amable llama a la niña joven.
Las niñas hambrientas cocinan el huevo fresco en el parque.
El niño encuentra las pelotas.
Hoy los cocineros visitan a la mujer.
Cada día el profesor esconde las manzanas en el jardín.
La niña hambrienta alimenta al perro blanco.
Los gatos persiguieron a la niña.
Ayer los alumnos cansados lavaron a los perros hermosos.
El cocinero amable persiguió al caballo cansado.
El profesor vende la flor.
Por la mañana el profesor cansado compró las manzanas en la escuela.
La mujer amable besa al profesor.
Los profesores escondieron la llave.
El médico feliz limpió la mesa cara.
Ayer la mujer cansada lanzó la pelota.
El alumno persigue a los profesores cansados.
El profesor joven visita a los alumnos hambrientos.
Los cocineros comieron el tomate barato.
Las mujeres llaman al ratón pequeño.
Los hombres felices lavan al niño amable.
El niño atrapó al conejo feliz.
El profesor inteligente escribió el libro viejo.
El cocinero cansado cocinó los huevos baratos.
Hoy los médicos amables lanzan los tomates frescos.
El conejo amable huele la sopa.
El profesor vende la puerta barata.
El cocinero atrapa al pato.
Los pájaros esconden la manzana en la cocina.
Cada día el médico cansado cierra las ventanas.
Ayer los profesores besaron al médico amable.
Hoy los hombres amables limpian la ventana grande.
El alumno comió el pastel.
La niña trajo el periódico barato.
El profesor cansado escribió el libro grande en la cocina.
Cada día los médicos amables huelen el tomate.
La vaca ve los periódicos pequeños.
El hombre feliz persiguió a los caballos hambrientos en la cocina.
Cada día el alumno inteligente limpia las sillas blancas.
Hoy el caballo cansado atrapa al pato.
Por la mañana las niñas jóvenes cerraron las ventanas caras.
La niña inteligente visitó a los hombres inteligentes.
El cocinero vendió las mesas nuevas en la escuela.
Hoy los pájaros hermosos oyeron a las vacas.
Los cocineros cerraron las ventanas grandes.
Las niñas alimentaron al gato.
Cada día el profesor inteligente alimenta al ratón.
Ayer el hombre joven compró el perro blanco.
El médico amable compró el caballo cansado.
El profesor encontró los pasteles frescos en el jardín.
El niño cocina las sopas baratas.
El niño feliz compró las flores.
El caballo hambriento persiguió al ratón cansado.
El profesor joven visitó al niño.
Los alumnos felices escribieron los libros nuevos.
El médico escondió la pelota barata en la escuela.
El alumno feliz come los huevos.
Cada día los alumnos cansados alimentan al perro blanco.
La mujer cansada escribe el libro negro.
El conejo oyó al caballo.
La mujer come la patata dulce.
Los hombres besaron a la mujer hambrienta.
Hoy el niño cansado ve al gato.
El caballo cansado encuentra la pelota.
Cada día los alumnos llaman al pájaro grande.
El cocinero hambriento comió el huevo rojo.
Ayer los profesores comieron la manzana dulce en el jardín.
El alumno hambriento encontró al médico inteligente.
Los médicos amables persiguieron al pato cansado.
Los profesores inteligentes persiguen al cocinero joven en el jardín.
Los niños felices llaman al hombre joven en la cocina.
Por la mañana el profesor trajo la pelota pequeña.
Ayer los profesores vieron las llaves blancas.
Los niños cansados comen la patata roja en la cocina.
El alumno escribió las cartas.
El conejo grande vio al hombre inteligente.
Los médicos amables oyen a los conejos.
Hoy el profesor inteligente llama a las vacas.
La niña persiguió al caballo hambriento.
El alumno persigue al cocinero.
Cada día el profesor feliz lanza la llave grande en el jardín.
Ayer el ratón mordió la patata en la escuela.
Hoy los alumnos cerraron la puerta vieja en el jardín.
Los cocineros dibujaron a la mujer hambrienta.
Por la mañana los conejos mordieron al alumno inteligente.
Hoy el ratón blanco olió el tomate rojo.
El perro atrapa la pelota pequeña en el jardín.
Los profesores vieron los tomates baratos en la cocina.
Hoy el médico visita a los profesores.
El hombre besa al pato pequeño.
Ayer el alumno atrapó al pato blanco.
El médico feliz limpió las puertas blancas.
La vaca mordió la patata.
Los niños visitaron al profesor cansado en el parque.
El médico hambriento limpia el coche.
El médico abrió las cartas nuevas en el parque.
El niño hambriento abre las ventanas.
Los hombres inteligentes vendieron el tomate.
El alumno amable compró los huevos.
Los cocineros besaron a la mujer.
Los alumnos atrapan a los conejos pequeños.
La niña abrió la carta en la cocina.
Ayer el hombre joven lanzó la pelota.
Los hombres vieron las flores.
Ayer el hombre alimentó a los perros en la cocina.
El hombre amable vendió el libro.
Ayer el profesor inteligente llamó al gato.
Cada día el niño cansado dibuja a la mujer feliz.
El profesor dibujó el plátano rojo.
Hoy los médicos amables comen los pasteles.
Ayer el pato amable persiguió a los alumnos.
La mujer cocinó las patatas baratas.
Por la mañana los alumnos amables alimentan a los patos en la cocina.
Hoy el caballo escondió las pelotas nuevas.
Por la mañana los cocineros lanzan el plátano rojo en el jardín.
El alumno lavó al perro en la escuela.
La mujer alimentó a las vacas en la escuela.
Por la mañana los profesores hambrientos escondieron el huevo fresco.
Por la mañana las mujeres compran el pastel fresco.
La mujer inteligente dibujó a los patos pequeños en el parque.
La mujer feliz trajo la manzana.
El médico feliz llamó al pato grande en el parque.
El niño inteligente lanza la pelota blanca en la cocina.
Los profesores inteligentes cocinan los huevos en el jardín.
Los niños felices traen las pelotas caras.
Los niños abren la ventana.
Los cocineros abrieron las ventanas baratas.
El profesor amable esconde el periódico barato.
El alumno feliz trae el pastel.
La mujer amable llama a los profesores amables.
Los profesores persiguen al pájaro amable.
Los gatos vieron el coche.
Por la mañana la vaca hambrienta muerde al cocinero amable.
El caballo grande muerde al gato.
Los pájaros blancos encontraron al conejo.
El médico llama a los ratones.
El médico dibuja la manzana en la escuela.
El hombre trae la sopa en el jardín.
Las mujeres amables ven al profesor cansado.
El cocinero amable alimentó al gato amable.
Cada día el hombre amable come el pastel dulce.
El niño inteligente compró los pasteles baratos.
Hoy la vaca hambrienta vio al pato amable.
La niña cerró las puertas.
Hoy los hombres compran el caballo pequeño.
Los profesores llamaron al médico cansado.
Por la mañana el alumno feliz trajo las cartas pequeñas.
Ayer el médico lanzó la manzana.
El caballo blanco ve la sopa fresca en el parque.
El cocinero vende el pato amable.
Cada día la mujer joven compra los huevos.
Por la mañana el alumno escribió la carta.
Cada día el hombre encuentra al niño.
El alumno abre el libro barato.
Los profesores inteligentes huelen la flor.
Los perros huelen las flores en el parque.
Hoy los médicos hambrientos llaman al ratón pequeño en la escuela.
El profesor escribió la carta.
El cocinero lanza la pelota.
El alumno feliz visita a las niñas.
El hombre feliz atrapó a los pájaros en la cocina.
El gato muerde la manzana en el parque.
Los alumnos cocinaron el huevo.
El cocinero visita al alumno.
La niña alimenta a la vaca.
El hombre inteligente vio los tomates baratos en la cocina.
El perro muerde al gato grande en la cocina.
Hoy la mujer lanza las manzanas dulces.
Hoy los profesores jóvenes cocinaron las sopas frescas.
Los hombres oyen a los caballos pequeños.
El médico hambriento visitó al hombre.
Los alumnos ven los plátanos.
El profesor feliz visita a los alumnos jóvenes.
La mujer come la sopa barata.
El hombre persiguió al pato feliz.
Ayer el médico inteligente dibujó las manzanas.
Los médicos amables vendieron el periódico viejo.
La mujer hambrienta llamó al profesor feliz.
El profesor hambriento vendió las cartas en la escuela.
El médico hambriento llamó al pájaro feliz en el parque.
Por la mañana los médicos cansados cocinan la patata.
El cocinero inteligente alimentó a los conejos en el jardín.
El alumno trae el huevo rojo.
El profesor lanza la manzana roja.
El profesor lava a los perros.
El cocinero escribe la carta negra.
Los cocineros vieron al alumno.
El conejo inteligente encuentra las llaves baratas.
Los patos persiguen a los hombres cansados en el parque.
Por la mañana las niñas besaron a la mujer.
La niña dibujó las sillas en la escuela.
Ayer el perro amable oyó al hombre.
El conejo amable oye al alumno feliz en el parque.
La mujer hambrienta visita a los hombres.
Ayer el cocinero llamó a los niños felices.
Por la mañana el cocinero joven alimenta al pato.
Las vacas muerden a los patos.
Por la mañana el niño limpió la mesa pequeña.
Por la mañana el niño cierra las puertas grandes en el parque.
El niño joven oyó a los gatos inteligentes.
El ratón encuentra la mesa.
Por la mañana el alumno comió el tomate.
Los médicos besaron a los pájaros.
Ayer los niños cansados encontraron la sopa dulce.
La vaca oyó a los niños.
El perro encontró al médico inteligente en la cocina.
El hombre dibujó a la vaca.
La niña cerró la ventana.
Cada día las niñas cansadas venden la silla vieja.
La niña cansada oye a los perros.
La niña escribió la carta nueva.
El ratón muerde la manzana dulce.
El pato escondió los libros.
El niño visita a los profesores.
Por la mañana los alumnos compraron el pájaro amable.
La niña come el huevo.
El niño cansado lava la mesa blanca en la cocina.
Ayer el hombre comió la patata dulce en la escuela.
La niña amable escribe el libro rojo en la escuela.
El profesor hambriento lanzó la pelota.
El niño comió el huevo en la escuela.
Ayer el médico comió los tomates baratos.
El niño joven besa al conejo.
Los alumnos traen la flor barata en el jardín.
Los hombres cerraron la puerta.
El ratón negro muerde a las vacas.
Por la mañana el cocinero huele el plátano.
Los caballos atrapan a los pájaros blancos.
El cocinero alimenta a los patos hambrientos.
El gato mordió al ratón cansado.
El profesor hambriento llamó a los gatos amables en la escuela.
La niña hambrienta compra los tomates.
El pato esconde el huevo en el parque.
Hoy el cocinero feliz compró la flor blanca.
El pato muerde al conejo.
El cocinero limpia la puerta hermosa en la escuela.
El hombre cocina la patata.
La mujer inteligente oye al pájaro.
El cocinero escribió el libro.
El médico compró el plátano barato.
Las niñas llamaron al médico en la cocina.
La niña cocina la patata.
Los patos inteligentes ven la pelota.
El hombre hambriento escribe el libro en la cocina.
Cada día el profesor amable lava al gato blanco.
Los ratones cansados muerden al alumno.
Los caballos muerden la patata en el parque.
La mujer cansada escribió la carta cara.
El hombre lava la patata dulce.
Ayer los profesores jóvenes abrieron la puerta.
Ayer el hombre feliz alimentó al perro.
Los perros esconden el tomate barato.
Hoy el ratón feliz atrapa la pelota nueva.
Ayer la niña cansada dibujó los tomates frescos.
El niño encontró las pelotas pequeñas.
Los alumnos hambrientos llaman a la vaca en el parque.
El perro blanco huele el huevo.
El hombre visitó al alumno en el jardín.
Los cocineros dibujan los periódicos hermosos.
Los profesores hambrientos atraparon a los conejos.
Los profesores ven la ventana.
El hombre alimenta a los patos en el parque.
Los profesores inteligentes besan a los hombres.
El alumno compra la carta.
Los niños felices huelen la sopa fresca en la cocina.
La vaca inteligente muerde al pato grande.
Los alumnos lavan la manzana dulce.
Cada día los patos huelen el plátano.
Las niñas amables cocinan la patata en la cocina.
La niña escribió las cartas caras.
El médico cansado cocinó la sopa.
Ayer el perro mordió al niño.
Hoy los profesores abren las ventanas grandes.
La mujer amable trajo el periódico viejo en el jardín.
El niño feliz cerró la ventana.
El conejo mordió al pato.
Hoy los cocineros felices venden la sopa fresca.
La mujer compró el plátano.
El alumno cansado escribe el libro.
Ayer la mujer cansada compró los libros negros en el parque.
Hoy el cocinero feliz persigue al caballo en el parque.
Los médicos hambrientos dibujaron la mesa.
Cada día los cocineros besan al conejo.
El perro escondió la patata dulce.
El alumno cansado trajo el pastel en la escuela.
Los médicos hambrientos alimentan a los niños.
El profesor hambriento llama a los ratones.
Los niños cansados besaron a los ratones hermosos en el parque.
El médico lanza los tomates baratos en el parque.
Hoy los caballos vieron la puerta.
El alumno hambriento besó a los perros.
Cada día los niños limpian las sillas viejas.
El hombre abrió el libro.
La niña atrapó la pelota en el jardín.
El niño alimentó a los perros.
El médico feliz llamó a los perros amables.
El perro atrapa a los ratones.
El cocinero trae el libro en la cocina.
Los niños ven al ratón en el jardín.
Por la mañana los profesores cansados trajeron el huevo.
La niña compra el ratón grande.
Las vacas hermosas olieron el huevo dulce en el jardín.
Ayer la mujer inteligente limpió la silla vieja en la escuela.
La niña cocina la sopa.
El cocinero cansado vende el pato feliz en el jardín.
Hoy las niñas felices venden los conejos.
Los médicos abrieron los libros rojos.
El profesor joven trae el pastel fresco.
La vaca encuentra a los profesores inteligentes en la cocina.
El pato amable esconde el libro.
El hombre cansado comió el huevo.
El profesor llama a las vacas en el parque.
El pato hermoso encontró la puerta en el jardín.
El conejo grande olió las manzanas frescas.
El alumno inteligente come el tomate dulce.
La mujer hambrienta dibujó al hombre hambriento.
El niño cansado atrapó la pelota grande.
La niña joven cierra las ventanas negras.
El médico abrió la puerta.
El cocinero inteligente cocinó la patata.
Los pájaros persiguieron al caballo amable.
La niña escribió la carta en el parque.
Los médicos cansados lavan la mesa nueva en la escuela.
El profesor cerró las puertas.
El hombre cierra la ventana.
El médico oye al caballo blanco.
Hoy la niña encontró a la vaca.
Cada día las niñas venden la manzana.
Ayer el cocinero compró el huevo.
Ayer los conejos hermosos vieron la silla en la cocina.
Los alumnos amables llamaron al médico cansado.
El niño inteligente besa a los caballos hambrientos en el jardín.
La niña joven come las patatas en la cocina.
El conejo blanco mordió el plátano.
El pato hermoso oye al gato blanco.
Por la mañana las mujeres cansadas lanzan el tomate.
El niño feliz llamó a las niñas.
Por la mañana el hombre cansado lanzó las pelotas.
Hoy el niño vendió el ratón hermoso.
La niña vio a los médicos en el jardín.
Cada día el médico escribe los libros en la cocina.
Las mujeres dibujaron la mesa.
El profesor amable dibujó a los ratones.
Cada día las mujeres esconden el plátano.
El alumno abre la carta hermosa.
Por la mañana el gato esconde los huevos.
El cocinero joven besó a los gatos blancos en el jardín.
El profesor hambriento compró las flores.
El hombre visita al alumno en la cocina.
El gato cansado huele la flor.
El médico persigue al profesor hambriento.
La niña dibuja al conejo cansado en la escuela.
Los médicos atrapan la pelota.
Hoy el alumno visita al cocinero en la escuela.
El profesor llamó al gato blanco.
Hoy los médicos escribieron el libro.
Los profesores dibujaron a los patos inteligentes.
El hombre visitó al profesor amable.
El cocinero persiguió al profesor amable.
El pato negro encontró a las mujeres.
La vaca oye a los hombres felices en el parque.
Los médicos cierran la ventana grande en el jardín.
Las mujeres cierran la puerta en la escuela.
Los niños oyeron al ratón.
El hombre limpia el coche caro.
La niña lanzó el tomate.
La niña hambrienta trae la manzana dulce.
La mujer cansada encuentra la llave negra en la cocina.
Por la mañana los caballos encuentran el libro en la escuela.
La niña amable besó a los caballos cansados.
La niña joven comió los huevos baratos.
El alumno cansado vende el periódico.
El perro blanco muerde a los gatos.
Los cocineros lanzan las pelotas.
El perro mordió a las vacas.
Ayer los cocineros hambrientos cocinaron los huevos.
El cocinero dibuja al niño.
Por la mañana el hombre hambriento dibujó las manzanas frescas.
Los alumnos lanzaron la pelota.
El médico feliz ve a los pájaros felices.
Los caballos atraparon a los ratones grandes.
Los alumnos venden las sopas dulces.
La niña cerró la ventana grande.
Cada día el conejo blanco encuentra el plátano en la cocina.
Cada día el médico cansado escribe el libro nuevo.
El hombre abrió la ventana en el parque.
El niño compra el conejo feliz.
La vaca vio a los conejos amables.
El caballo cansado escondió la pelota en el parque.
Cada día los ratones oyen a la vaca inteligente.
Hoy el conejo atrapa al pato.
El hombre joven lanza el tomate.
La niña llama al hombre inteligente.
La niña dibujó la flor en el jardín.
Las niñas cerraron la ventana hermosa.
Por la mañana el niño amable limpia el coche hermoso.
La mujer amable cerró la puerta.
El profesor oyó al caballo inteligente.
El cocinero amable abre la puerta vieja.
Por la mañana el profesor inteligente comió la sopa.
La niña feliz trajo la patata.
Cada día el hombre esconde el plátano dulce.
El pato persigue a la vaca.
El médico abre la ventana.
El médico compró la vaca en la cocina.
Cada día los profesores cocinan la sopa dulce en la escuela.
El alumno joven escondió el tomate.
Los médicos jóvenes cocinaron las patatas.
Ayer la mujer amable escribió el libro en la escuela.
La mujer cocina las patatas dulces.
Los niños trajeron el huevo rojo.
Hoy la vaca cansada oyó al gato.
Los conejos amables escondieron la flor.
El niño joven persiguió a los perros.
Hoy el ratón blanco atrapa al conejo grande en la cocina.
El pato encontró las flores.
Las niñas ven el tomate fresco.
Cada día el niño feliz visita a los profesores.
Los hombres limpian la ventana cara.
Los niños besan al pájaro.
Hoy el profesor hambriento besa a los conejos amables.
Cada día los pájaros muerden a las niñas.
El niño joven llama al gato.
El perro escondió el plátano rojo.
Cada día los médicos cierran las ventanas blancas.
La niña vendió el huevo en el parque.
La mujer inteligente escondió los tomates.
Las niñas abren el libro pequeño.
Hoy el hombre hambriento trae los huevos baratos.
Hoy las mujeres cansadas lavaron la patata dulce en la escuela.
Los profesores hambrientos escribieron las cartas rojas.
Por la mañana los hombres limpiaron la ventana negra en el jardín.
Por la mañana la niña amable dibujó la sopa dulce.
El caballo persigue al alumno inteligente.
El caballo atrapó las pelotas grandes.
El profesor hambriento compra la mesa grande.
Cada día el alumno cansado atrapa a los conejos.
El profesor cansado visitó al niño hambriento.
Por la mañana el cocinero abre la carta blanca en el parque.
El profesor alimenta al conejo hambriento en el parque.
Ayer la mujer joven alimentó a los gatos cansados.
Los alumnos besan a los profesores amables.
La mujer visita al alumno.
Cada día el hombre cansado alimenta a los caballos grandes.
Los niños lavaron al gato.
El cocinero cierra la ventana barata.
El hombre inteligente come los huevos.
El hombre inteligente encuentra las flores.
El profesor trajo la patata en la escuela.
Las niñas oyen al niño.
Hoy el ratón atrapó al gato.
Las niñas felices venden los pájaros en la escuela.
Por la mañana el perro encuentra a la mujer cansada.
Los hombres comieron la manzana.
El ratón atrapa a los pájaros hambrientos.
El niño dibuja el tomate.
Los profesores cocinan el huevo rojo.
Cada día la niña visita a la mujer joven.
El cocinero cansado abrió la carta roja.
Ayer los pájaros vieron los plátanos dulces.
Los médicos visitaron a los hombres.
El profesor joven come la sopa barata.
La vaca huele los pasteles frescos.
Por la mañana la niña escribió la carta.
El niño compra la puerta pequeña.
Por la mañana la niña alimenta al gato.
Por la mañana la niña joven limpió la silla cara.
Por la mañana el cocinero limpió el coche.
El niño ve el tomate rojo.
La mujer come el pastel rojo en la cocina.
Ayer el profesor limpió la silla.
El conejo mordió el plátano.
Las vacas muerden al profesor amable.
Por la mañana el gato mordió al caballo cansado.
El alumno vende la ventana.
Cada día el cocinero hambriento trae el pastel rojo en el parque.
Ayer el gato mordió al hombre hambriento.
Por la mañana el cocinero cocina la patata en el parque.
El niño alimenta al gato grande.
Ayer los médicos olieron la patata.
La mujer lava la patata roja en el jardín.
Cada día el conejo blanco esconde las manzanas frescas.
El hombre lava a los caballos.
El alumno compra el pastel rojo en la escuela.
El niño cierra la ventana.
Los cocineros amables abrieron la carta en la escuela.
Por la mañana el gato feliz esconde la carta nueva en la escuela.
El profesor compró el pájaro.
Cada día el caballo huele las manzanas baratas en el jardín.
Cada día el profesor hambriento encuentra la mesa.
Las mujeres alimentaron a los gatos cansados.
El caballo atrapa las pelotas hermosas en el jardín.
El profesor atrapa al ratón.
La niña encontró al conejo negro en el jardín.
La niña dibuja al caballo pequeño.
Los patos grandes mordieron al hombre inteligente en el jardín.
Por la mañana las vacas atraparon la pelota vieja en el jardín.
El conejo vio la sopa fresca en la cocina.
Cada día los cocineros cierran la puerta.
Los niños inteligentes llamaron a los médicos.
Cada día la niña cocina la patata en el parque.
El alumno feliz esconde la flor vieja en la escuela.
Cada día la mujer amable besa al conejo blanco.
Cada día los gatos oyen al niño.
Ayer los médicos vendieron el periódico.
El gato escondió los periódicos.
La vaca persiguió a los niños hambrientos.
Por la mañana las mujeres cansadas escriben el libro caro.
Hoy el hombre lavó al perro negro.
La mujer alimentó al pájaro blanco.
La mujer ve el pastel fresco.
Los médicos hambrientos llamaron a los niños cansados en el parque.
Los hombres escriben la carta negra.
El cocinero besa al gato inteligente.
Los hombres hambrientos traen los pasteles baratos en la cocina.
El alumno joven besa a los caballos hambrientos en la cocina.
Las mujeres limpian el coche hermoso en el parque.
La mujer amable compra el conejo.
Ayer los médicos escondieron la patata.
El profesor inteligente besa al alumno en el parque.
Ayer el cocinero joven vendió las llaves.
El hombre cocina las sopas baratas.
Los alumnos hambrientos comieron las sopas baratas.
El cocinero feliz come el plátano barato.
El hombre trajo el tomate.
El profesor joven besa a los perros.
Cada día los hombres felices visitan a los profesores.
El médico escribe la carta.
La mujer abre el libro.
Cada día el niño inteligente cierra la puerta blanca.
Los cocineros lavaron a los caballos.
El hombre feliz dibujó la mesa negra.
Hoy el alumno cerró la ventana.
Ayer la mujer trajo los huevos.
El niño inteligente llamó a la vaca amable.
El alumno abre las ventanas caras.
El alumno vio a los ratones felices en la cocina.
Ayer la mujer encontró a los pájaros blancos.
Por la mañana las vacas huelen la patata barata.
Las niñas jóvenes limpiaron la puerta grande.
El hombre inteligente dibuja al niño.
El alumno lanzó el plátano rojo.
El alumno vende la vaca.
Los alumnos cansados atrapan a los pájaros en el jardín.
La mujer dibuja la carta en el jardín.
La mujer escribió el libro rojo.
Hoy el cocinero inteligente llamó a la mujer en el jardín.
La mujer ve la manzana.
Cada día los conejos cansados esconden el tomate.
Los ratones pequeños muerden al pájaro pequeño.
El gato amable encontró a las mujeres.
La mujer abre el libro en el jardín.
El médico compró la manzana roja.
El médico cocina la sopa.
Por la mañana la mujer amable limpió las ventanas hermosas.
El médico compró el ratón negro en la cocina.
Los profesores persiguen a las niñas.
Por la mañana los profesores hambrientos venden el gato.
El hombre inteligente cocina las patatas frescas.
El niño alimenta al perro.
La niña besa a la mujer en la cocina.
Cada día los conejos oyen al ratón.
El profesor trajo la sopa en el jardín.
El médico llamó a los profesores.
Ayer los cocineros escribieron el libro negro en el parque.
El médico cansado alimentó al pájaro en la cocina.
El profesor hambriento alimentó al pájaro blanco.
El gato muerde a la mujer feliz.
Los profesores escribieron la carta en la escuela.
El cocinero hambriento besó a la vaca cansada en la escuela.
El cocinero cerró la ventana pequeña.
Por la mañana los cocineros cansados olieron la sopa en la cocina.
Por la mañana las mujeres hambrientas besaron a los conejos felices.
La niña hambrienta lanzó el huevo.
El alumno hambriento trajo las sopas rojas.
Los cocineros venden la vaca.
El alumno amable besó al hombre.
La mujer hambrienta dibuja la sopa dulce.
Las niñas lanzaron los tomates en la cocina.
El médico cocinó la patata.
Cada día el profesor inteligente limpia la mesa.
Ayer la niña feliz trajo el libro.
Los conejos mordieron la sopa.
El cocinero hambriento cocina los huevos.
Las mujeres besaron al pájaro.
El cocinero come los tomates rojos.
Ayer la vaca persiguió a los profesores.
El alumno besa al conejo hermoso.
El hombre llama a los alumnos en el jardín.
El cocinero joven cerró la puerta pequeña en el jardín.
Los hombres amables lanzan las llaves en la cocina.
Cada día el alumno abre la carta en el parque.
La mujer huele la flor.
Hoy el médico cansado besa al pato.
Ayer el médico vio la mesa cara.
Hoy el profesor hambriento come las manzanas frescas.
El hombre feliz lavó el coche.
El hombre amable alimenta al niño cansado en el parque.
El conejo muerde los tomates.
Ayer los cocineros persiguieron a los alumnos hambrientos.
Los cocineros cocinan el huevo fresco en la escuela.
La vaca hambrienta ve al perro cansado.
El niño inteligente besó al caballo negro.
Los ratones negros encontraron la patata fresca.
Los cocineros inteligentes cocinaron las sopas rojas.
El alumno hambriento encuentra la mesa en la cocina.
Los hombres cansados lanzaron la pelota en la cocina.
El hombre cansado atrapa a los patos.
Los hombres visitan a la niña feliz.
Por la mañana la mujer besó a los caballos.
La niña escribe la carta roja en la escuela.
Cada día el niño visita al alumno.
La niña trae la flor.
Cada día los alumnos felices venden los pájaros.
Ayer los médicos besaron a la niña.
Por la mañana el gato esconde la manzana.
Por la mañana el hombre inteligente compró el libro en la escuela.
Por la mañana los profesores besaron al médico.
Por la mañana el alumno encuentra al médico inteligente en el jardín.
Cada día el perro grande persigue a los hombres.
El ratón hambriento encontró al conejo en el jardín.
Los hombres felices trajeron el libro.
Ayer la mujer inteligente vendió la flor cara en la escuela.
La niña cierra la ventana nueva en el parque.
Las niñas vendieron la ventana hermosa en el parque.
El médico atrapó al conejo.
El alumno vendió la ventana nueva.
Las vacas hambrientas olieron el plátano.
El niño escondió los plátanos.
Hoy la mujer compra el tomate.
El médico persigue al cocinero.
El médico hambriento lanzó el tomate dulce.
El pájaro negro olió la patata.
El niño inteligente besó a la vaca amable.
El cocinero amable alimentó al caballo cansado en la escuela.
Cada día los médicos llaman al ratón.
Las niñas felices cocinan los huevos baratos en la cocina.
El caballo olió la sopa.
Ayer el pájaro negro olió las sopas rojas.
Por la mañana el ratón hambriento atrapa a los gatos.
El cocinero lanzó las pelotas hermosas en la escuela.
La vaca feliz oyó al gato hambriento.
El pájaro feliz mordió a los hombres inteligentes.
Por la mañana el profesor cansado visitó a las mujeres inteligentes.
Ayer el profesor alimentó al pato.
El hombre amable encuentra al caballo.
Las niñas hambrientas cierran la puerta.
Los caballos encontraron a la mujer inteligente en el parque.
Por la mañana los profesores ven al alumno cansado.
El cocinero hambriento dibuja los huevos baratos.
La niña joven limpió la ventana blanca.
Los cocineros cansados lanzan las pelotas baratas.
El perro feliz atrapó a los patos en la escuela.
Ayer el cocinero limpió la ventana.
Las vacas persiguen al conejo.
Hoy la niña persiguió a la vaca inteligente.
La niña compra las ventanas nuevas.
El médico escondió la patata en la cocina.
La mujer inteligente dibujó a los conejos hambrientos en la escuela.
Hoy el médico visitó a la mujer feliz en la cocina.
Las niñas jóvenes limpian la ventana barata.
Los cocineros hambrientos escribieron la carta.
El médico joven dibujó el periódico hermoso en la cocina.
El profesor compra el ratón negro en la cocina.
Por la mañana los caballos muerden la manzana roja.
Cada día el perro pequeño atrapa al pato amable.
Los hombres amables compraron el conejo.
Los caballos negros persiguen a la mujer cansada.
Hoy el profesor hambriento huele el huevo barato.
Cada día el niño compra el conejo en el parque.
Cada día el alumno escribe la carta.
Hoy los hombres vendieron los huevos.
El pato negro ve a las mujeres en el parque.
Las niñas jóvenes atrapan al ratón en el parque.
El cocinero abre el libro.
El hombre compró la puerta hermosa en la escuela.
El profesor abrió las ventanas.
La mujer escribió el libro.
La niña cocinó el huevo dulce.
Cada día los médicos jóvenes alimentan a los gatos.
El niño huele la manzana.
Los niños ven al caballo inteligente en el jardín.
El conejo blanco muerde al cocinero.
El profesor abrió las ventanas nuevas.
El hombre vendió los pasteles dulces.
El médico abrió las cartas.
Cada día los perros negros ven a los conejos blancos en el parque.
Los caballos atrapan a los gatos felices.
Las niñas hambrientas cocinan el huevo en la cocina.
Hoy el conejo olió el tomate en la escuela.
La niña trajo las sopas.
El conejo amable mordió al perro hambriento.
El niño joven olió la sopa roja en la cocina.
El hombre joven cocina el huevo.
El niño feliz esconde la manzana en el parque.
El profesor compró el ratón.
La mujer llama al perro negro.
Hoy el profesor trajo el libro en la cocina.
Los cocineros visitaron al médico.
La mujer encontró al pájaro en la cocina.
La mujer huele la sopa en el parque.
El niño limpió los coches caros en la cocina.
Hoy las vacas atrapan al conejo en el parque.
Ayer la niña visitó al hombre en la escuela.
La vaca muerde el tomate.
Hoy el hombre come las manzanas rojas.
Ayer la vaca encontró la sopa.
El cocinero trajo las sopas.
El alumno amable llama al médico inteligente en la escuela.
La niña encuentra al conejo en la cocina.
Ayer las niñas trajeron el huevo dulce.
El médico cansado visitó a la mujer inteligente.
Por la mañana la mujer hambrienta atrapa a los gatos.
El hombre amable alimentó a los patos cansados.
Los alumnos lanzan la llave.
Por la mañana los alumnos traen el periódico caro en la escuela.
Por la mañana los alumnos inteligentes alimentaron al perro.
El cocinero trajo la manzana dulce.
Hoy el hombre hambriento escribe la carta en el jardín.
Hoy el hombre vende la silla pequeña en el parque.
El alumno feliz dibujó el libro pequeño en la escuela.
Hoy los profesores persiguieron al médico cansado en la cocina.
El médico dibuja a la mujer amable.
Hoy el hombre cansado persigue a la mujer inteligente en la escuela.
Cada día los alumnos llaman a los pájaros.
Cada día las niñas felices limpian las mesas.
La mujer cansada persiguió al cocinero joven.
Los médicos jóvenes compraron la llave en el jardín.
Los cocineros cocinan la sopa.
Hoy los patos esconden el libro.
Hoy la mujer besó al hombre inteligente en el jardín.
La niña joven limpió la puerta.
El niño escribe las cartas.
Hoy los gatos esconden las pelotas rojas en el jardín.
El cocinero besó al profesor hambriento.
Ayer el médico joven escondió el libro nuevo.
Cada día el caballo cansado encuentra las sopas dulces en el parque.
El alumno alimenta a las vacas amables.
Los alumnos visitan a la mujer feliz.
El alumno amable llama a los médicos.
Los hombres huelen la flor pequeña.
El cocinero cierra la puerta.
Hoy el médico amable trajo la carta hermosa.
El hombre lavó la mesa.
El alumno hambriento alimentó al conejo.
El alumno atrapa a los conejos.
Los patos hambrientos muerden al niño hambriento.
El profesor lanza las pelotas grandes.
El médico amable limpia las puertas grandes.
El alumno inteligente huele la manzana en el parque.
Los caballos hambrientos encontraron a los conejos.
Ayer el niño trajo las patatas.
El profesor joven alimentó al niño.
El pato mordió a la niña.
Hoy las mujeres abrieron las ventanas.
Hoy el alumno lanzó los huevos frescos.
Los cocineros llaman a los gatos en el parque.
Por la mañana el médico inteligente olió la patata.
El gato muerde el tomate fresco en el parque.
El hombre dibuja a los caballos.
El ratón amable huele el plátano en el jardín.
Hoy el profesor hambriento alimentó a la vaca feliz.
Por la mañana los alumnos felices llamaron a la mujer.
La niña hambrienta persigue a las vacas.
Las mujeres lavan a la vaca pequeña.
El gato pequeño muerde el huevo dulce.
Hoy el profesor vende las llaves negras.
Cada día el alumno feliz huele los plátanos.
Las niñas cocinan las patatas frescas en la escuela.
El profesor alimenta al gato amable en el parque.
Ayer los alumnos felices visitaron a los niños hambrientos.
El médico lavó a la vaca en el parque.
El hombre besó a los pájaros en el jardín.
El caballo muerde el plátano fresco.
Por la mañana los cocineros visitan a la niña feliz.
Los hombres felices cierran la ventana blanca.
La vaca cansada ve el huevo dulce.
El gato hermoso encontró al cocinero cansado.
Los hombres abrieron la ventana.
Los médicos abren la carta hermosa en la escuela.
La vaca escondió el tomate barato.
Hoy los hombres jóvenes lavaron al niño joven.
El niño cierra la puerta negra.
Por la mañana los alumnos comieron la sopa fresca.
El alumno cansado cocinó los huevos.
El pájaro vio a los gatos.
Hoy el hombre llama a los perros hambrientos.
El perro persiguió al pájaro en la escuela.
Cada día la niña feliz escribe la carta.
Ayer el alumno abrió la puerta.
Las mujeres persiguen a los hombres.
La niña cerró la puerta.
Los médicos besan a los profesores cansados.
El niño alimentó al pájaro.
El médico inteligente limpió la puerta barata.
El pato atrapó al conejo feliz.
Las niñas escriben el libro barato en el jardín.
Ayer el hombre escribió la carta barata.
Los perros muerden a las vacas inteligentes.
El hombre llama al profesor.
Ayer el ratón amable escondió la carta.
Cada día las mujeres dibujan al pato en el jardín.
Ayer el profesor atrapó al gato.
Los ratones escondieron la manzana.
Los alumnos cansados besaron al conejo.
Los conejos encuentran a los alumnos.
El niño escribe la carta en el parque.
El cocinero encontró a los perros cansados en el parque.
El niño inteligente cierra la puerta blanca.
Las niñas inteligentes dibujan las flores.
Los niños amables cierran la puerta en el parque.
El ratón grande esconde el periódico.
La niña hambrienta esconde el huevo fresco.
Cada día los niños jóvenes besan a la niña.
Cada día el médico oye a los ratones.
El alumno escribe la carta.
El pájaro escondió los huevos.
El conejo mordió la sopa.
El caballo feliz persigue al hombre cansado.
Ayer el alumno hambriento lavó a los niños.
El hombre feliz compró la patata en el jardín.
Los médicos traen la llave en el parque.
El cocinero joven cierra las puertas nuevas.
Ayer el hombre escondió las flores.
Cada día la niña dibuja al profesor en la cocina.
Por la mañana las mujeres atrapan al pato amable.
Los médicos amables lavan la manzana en el parque.
Por la mañana el hombre comió la patata.
Cada día los niños felices cierran las ventanas.
El pato escondió las llaves baratas.
El alumno besó al hombre en la escuela.
El gato ve al ratón.
El niño atrapa la pelota negra en el parque.
Los patos inteligentes persiguieron a los ratones en el parque.
El médico cocina el huevo.
Los profesores cansados dibujan la manzana.
Los profesores dibujan el huevo.
El profesor lava al gato en el jardín.
El ratón olió el huevo.
Hoy el niño visita al cocinero feliz en el parque.
Por la mañana el pato esconde los periódicos.
Ayer el médico besó al profesor en el parque.
El profesor amable besó a la mujer.
La niña feliz besa al gato hambriento en la cocina.
El alumno olió el pastel barato en la cocina.
Los médicos persiguieron al pájaro.
Cada día la niña vende los gatos.
El hombre cansado oye al ratón inteligente.
El niño compró el plátano.
Ayer el cocinero hambriento atrapó a los gatos en la cocina.
El cocinero compra el caballo.
El hombre joven huele la manzana dulce.
Los profesores llaman a los patos amables.
El niño besó al pájaro pequeño.
El profesor hambriento atrapa al ratón.
El cocinero vio a los profesores felices.
El hombre cansado compra la vaca negra.
El alumno oyó al cocinero.
El cocinero trae las llaves en el jardín.
Ayer la mujer joven cerró las puertas baratas.
El cocinero come el huevo.
Por la mañana la mujer amable vende la sopa roja.
Cada día el hombre visita a las mujeres.
La niña lavó la mesa pequeña.
El cocinero escribe la carta.
Ayer la mujer hambrienta dibujó la flor vieja.
La niña alimenta a los patos hambrientos.
La vaca olió la manzana en la escuela.
Por la mañana los médicos oyeron a los patos pequeños en la cocina.
El niño ve a los profesores.
Las mujeres lanzan la manzana roja en la cocina.
El niño hambriento abrió la ventana en el parque.
Los caballos ven al niño.
El hombre inteligente cierra la ventana.
El perro mordió a la vaca.
Ayer la niña inteligente limpió las mesas.
El niño persiguió a los caballos negros.
La niña escribe el libro pequeño.
El hombre hambriento atrapa la pelota grande.
Los hombres escriben la carta.
El ratón escondió el periódico.
Por la mañana el cocinero inteligente alimentó al caballo.
Cada día el profesor hambriento cierra la ventana blanca en el jardín.
El hombre oye a los pájaros.
El caballo huele la sopa dulce en el parque.
Cada día los médicos persiguen al gato.
Cada día la mujer vende la manzana barata.
El perro mordió los plátanos.
El caballo cansado encontró al pato.
El hombre lanzó el huevo en la escuela.
Cada día el alumno feliz come la sopa.
El niño alimentó a los pájaros blancos.
Los patos grandes encuentran a los conejos negros.
Por la mañana los gatos cansados muerden al médico inteligente.
Ayer la mujer inteligente dibujó a los ratones.
Hoy el hombre escribe la carta cara.
El profesor huele el tomate dulce en la cocina.
El cocinero cansado come el pastel.
Los gatos hambrientos muerden el tomate rojo en el jardín.
La mujer abrió la ventana grande.
Ayer el perro grande mordió el tomate.
El médico escondió el plátano.
Ayer el cocinero amable besó a la vaca en el parque.
Ayer el profesor amable lavó la patata roja.
Ayer las niñas escondieron la llave barata.
Ayer el cocinero compró el huevo fresco.
Los patos huelen la flor barata.
Por la mañana el niño inteligente limpió la mesa negra.
El perro grande oyó a los gatos.
Ayer el profesor amable cocinó la patata en la cocina.
El niño llamó al conejo negro.
El hombre cansado abre el libro.
La mujer amable lavó los tomates.
Hoy el profesor limpió los coches grandes.
Ayer los gatos inteligentes persiguieron al ratón cansado en el parque.
Las mujeres ven los tomates.
Los profesores inteligentes cierran las puertas en el jardín.
El ratón ve a la mujer feliz.
La mujer vendió el conejo negro en la escuela.
El niño limpió la puerta negra.
Por la mañana los caballos ven al cocinero amable.
Por la mañana el alumno inteligente vio al caballo inteligente.
Los alumnos amables atraparon al conejo.
Ayer el hombre cansado limpió la puerta hermosa.
El niño joven besa al hombre.
Los profesores esconden la pelota negra en el parque.
Los médicos jóvenes alimentaron al pato.
El pájaro muerde a los médicos en el parque.
El médico inteligente abrió la carta hermosa.
La niña atrapa al conejo en el parque.
Por la mañana el gato ve al profesor en el jardín.
El gato mordió a los ratones felices.
El hombre esconde el plátano en la cocina.
Por la mañana la mujer trajo la carta nueva.
El cocinero feliz comió la manzana barata en la cocina.
El niño comió el pastel dulce en el parque.
Los médicos dibujaron las puertas.
Los alumnos besan al ratón.
Ayer el médico visitó al hombre cansado.
El niño inteligente cocinó el huevo barato en el jardín.
El alumno compra el coche viejo.
Cada día el profesor lava al perro en la escuela.
El alumno escondió la carta negra.
Los médicos amables cocinaron la sopa dulce.
Cada día las niñas hambrientas cocinan la sopa roja en la escuela.
Cada día el alumno alimenta al gato blanco.
El niño joven olió los huevos.
Ayer el profesor llamó al perro en el jardín.
Los alumnos escriben las cartas nuevas en el parque.
El niño cocina la patata.
El médico lavó la patata en el jardín.
El hombre inteligente atrapa al gato hermoso.
Ayer el cocinero hambriento compró la puerta en la cocina.
El hombre joven oyó a las niñas inteligentes.
La niña inteligente persigue al caballo.
Los niños abrieron la puerta blanca.
Por la mañana el cocinero besó a las vacas pequeñas.
Cada día el médico ve las pelotas.
Hoy el pato vio la flor.
Hoy los profesores hambrientos abrieron la puerta roja.
El hombre escribió el libro en el parque.
Ayer el profesor vendió los libros caros.
La niña hambrienta vendió el ratón en el jardín.
El perro cansado escondió el plátano.
El cocinero oyó al hombre.
Hoy el niño cierra la ventana.
Cada día el médico amable alimenta a los patos grandes.
Los cocineros cocinaron la patata en el jardín.
La mujer oyó a la vaca.
Los perros mordieron los tomates.
El conejo huele los plátanos.
Ayer el profesor amable dibujó los huevos en el jardín.
El médico inteligente llama a los perros.
Ayer el profesor inteligente atrapó al conejo.
El alumno visitó a los cocineros.
Las vacas muerden a los profesores.
La mujer vende la ventana negra.
El cocinero amable alimentó a los ratones en el parque.
El conejo oye al cocinero joven en la escuela.
El ratón huele las flores negras.
Los hombres oyen al caballo cansado.
La mujer hambrienta alimentó al pájaro amable.
El hombre inteligente abre las puertas en la escuela.
Cada día el médico hambriento esconde el plátano rojo.
El caballo oyó al pájaro amable.
La niña hambrienta compra los pasteles en el jardín.
Los médicos llamaron a las vacas hambrientas en el parque.
El perro amable vio al pato.
Hoy el médico visita al hombre.
Los patos hambrientos olieron la sopa en la cocina.
La vaca mordió al hombre.
Ayer los cocineros jóvenes lavaron el coche.
El pájaro huele el huevo barato.
La niña amable dibujó al gato en el jardín.
Los alumnos inteligentes trajeron la patata dulce en el parque.
Los conejos ven a la niña feliz.
Ayer los pájaros persiguieron a los caballos.
Ayer el médico feliz lanzó los tomates baratos.
El hombre inteligente lavó a los caballos.
Ayer el cocinero comió el plátano.
El hombre hambriento oyó a los caballos hambrientos en el parque.
El conejo amable ve a las mujeres en la cocina.
El conejo huele la patata dulce.
El conejo hambriento encuentra los plátanos.
Ayer las niñas felices oyeron al profesor.
Hoy las niñas jóvenes trajeron las manzanas en el parque.
El médico alimenta al ratón en el jardín.
Ayer el cocinero feliz compró las pelotas.
Los patos grandes muerden a la niña joven.
Ayer el ratón blanco mordió el plátano rojo.
El cocinero trae la pelota blanca en la escuela.
El caballo mordió al perro.
El profesor visita al hombre.
El médico joven limpia el coche caro en el parque.
Los alumnos hambrientos lavan la patata roja.
Cada día el caballo negro huele los huevos.
La mujer alimenta a los caballos felices.
El niño llamó al médico cansado.
Las niñas atrapan al gato.
El médico cansado ve la flor en la cocina.
El conejo inteligente atrapó al pájaro negro.
Los profesores jóvenes limpian los coches.
Por la mañana el profesor inteligente dibuja al pato cansado en el jardín.
Por la mañana las mujeres oyeron al niño joven.
El niño oye al conejo en el jardín.
Los profesores comieron el huevo.
El profesor amable trajo la flor.
Cada día el médico lava la patata roja.
El profesor besó al caballo.
El perro blanco muerde al ratón feliz.
Ayer el gato cansado mordió la manzana barata.
La mujer hambrienta dibuja al perro.
Los niños alimentaron al gato en el jardín.
El niño feliz besó a los caballos.
El gato hermoso ve el plátano.
La mujer escondió los periódicos.
El gato ve las sopas en la escuela.
Cada día el hombre besa a la vaca.
Por la mañana la niña hambrienta visita a los cocineros inteligentes.
Hoy el gato pequeño atrapó la pelota negra.
Los alumnos vendieron la patata barata.
Los cocineros alimentan a los gatos hermosos.
El niño hambriento atrapó al ratón.
Los conejos amables muerden al niño joven.
El médico amable cocinó el huevo.
El cocinero dibujó los pasteles frescos.
Por la mañana el alumno feliz dibuja las llaves en la cocina.
El profesor inteligente alimentó a los caballos en el parque.
Hoy los hombres olieron la patata.
Los hombres cansados escriben el libro blanco.
Los niños besaron a los patos.
Por la mañana la mujer joven cocinó el huevo barato.
El niño alimenta a los ratones en el parque.
La mujer cansada escribe la carta vieja en el parque.
Las mujeres limpiaron la silla.
Por la mañana la mujer joven atrapa al pájaro en el jardín.
Por la mañana el hombre alimentó al pato.
Cada día el profesor hambriento lanza el tomate barato.
El médico inteligente huele el huevo rojo.
Ayer los cocineros oyeron al hombre hambriento.
Cada día el cocinero joven persigue a los alumnos.
El cocinero lavó a los gatos pequeños.
El cocinero inteligente oyó al caballo feliz.
El profesor joven alimenta al ratón.
Hoy el hombre come los plátanos.
La mujer cansada llamó a los perros.
El cocinero joven visita al médico feliz.
Los médicos trajeron la manzana en la escuela.
Ayer el niño amable vendió el libro.
El pato hermoso escondió los tomates en la cocina.
El niño cansado escribe las cartas negras en el jardín.
Por la mañana los niños escriben las cartas caras en la escuela.
Cada día la niña hambrienta atrapa a los gatos.
El pato encontró a los niños hambrientos.
Las niñas inteligentes atraparon al gato negro.
Por la mañana el médico huele la patata dulce.
El profesor amable come el huevo fresco.
El hombre inteligente trajo la patata dulce.
Hoy los médicos escondieron las manzanas en la cocina.
Cada día el hombre atrapa al conejo.
El médico hambriento encontró al pato.
Por la mañana el niño trajo la carta hermosa.
El conejo oyó a los médicos hambrientos.
El alumno abre los libros.
El perro grande vio a los niños en la cocina.
La niña joven lava la patata.
Cada día la mujer cierra la puerta en la escuela.
El médico vendió el tomate barato.
La mujer escribe las cartas pequeñas.
La niña dibujó la patata.
Los médicos felices encuentran las sillas nuevas.
El profesor limpia las sillas hermosas.
Por la mañana la mujer llama al hombre en la escuela.
La mujer hambrienta dibujó la ventana.
El médico oyó a la niña inteligente.
Cada día los cocineros atrapan al pato cansado en el parque.
Los niños visitaron a la mujer.
Hoy los médicos limpian las sillas viejas en el jardín.
El cocinero olió la sopa.
Cada día el cocinero huele la sopa roja.
La mujer hambrienta alimenta a los conejos felices.
El hombre lavó a los perros hambrientos.
Los alumnos escriben las cartas nuevas.
El profesor inteligente lanzó el tomate rojo en la cocina.
Hoy el ratón inteligente persigue al profesor inteligente.
Cada día la mujer feliz escribe la carta barata en el parque.
La mujer vendió el caballo.
El cocinero dibujó la patata.
Los conejos muerden a los profesores inteligentes.
El profesor cansado limpia la mesa hermosa.
El médico inteligente compra los huevos.
El hombre visitó al cocinero.
El conejo esconde la carta hermosa en el parque.
La niña joven cocina las sopas frescas.
El alumno inteligente trae la pelota.
Hoy los niños trajeron la llave hermosa en el jardín.
El alumno joven persiguió al pájaro pequeño.
Cada día el pato muerde a las vacas inteligentes.
Hoy el alumno dibuja a las niñas.
Los hombres cansados abren las ventanas en el jardín.
El niño escribió el libro.
El cocinero hambriento vio a la vaca.
El médico comió el tomate.
El profesor cierra la ventana pequeña en el parque.
Hoy el niño lava la patata en el parque.
El alumno alimentó a los patos amables.
Los hombres hambrientos visitan a los alumnos.
Hoy el profesor escondió la patata en el parque.
Los profesores abren el libro.
Cada día el médico feliz vende las vacas.
Por la mañana la mujer joven compra la sopa.
El gato hambriento atrapa al pato en el parque.
Las mujeres compran el conejo pequeño en la escuela.
El ratón encontró el coche viejo.
El hombre alimenta al niño.
Ayer el cocinero besó a las vacas.
El niño cansado lanzó las pelotas viejas.
Los alumnos amables cocinaron el huevo.
El profesor hambriento escondió las manzanas en el jardín.
La mujer inteligente besa a la niña amable en la cocina.
La mujer inteligente cocina la patata.
Cada día el médico visita al alumno cansado en la escuela.
Los ratones encuentran las manzanas en la cocina.
El hombre persigue al médico amable.
El hombre besó al conejo.
El profesor llamó al ratón feliz en el parque.
Cada día los patos cansados ven la sopa en el parque.
Cada día los caballos felices ven al hombre amable.
La mujer hambrienta comió el huevo rojo.
La mujer inteligente olió los huevos.
Por la mañana los cocineros hambrientos dibujaron a los ratones.
Ayer la mujer joven lavó al perro en la cocina.
La niña inteligente compró los ratones.
El alumno besó al niño.
El alumno olió el huevo.
La niña cansada lava al perro en el jardín.
El pato esconde los tomates.
Los pájaros vieron la silla cara.
Cada día la niña vende el pastel en el parque.
Cada día el niño feliz come la manzana en la cocina.
Por la mañana los médicos oyen al perro cansado en el jardín.
Los hombres dibujaron la silla.
Cada día la mujer inteligente come la manzana.
La niña hambrienta trajo la flor barata en el parque.
El hombre escribe el libro pequeño.
Cada día el ratón amable muerde a los pájaros.
El gato pequeño encontró la sopa fresca en la escuela.
El alumno feliz lanza la pelota.
El cocinero amable visitó al profesor hambriento en la escuela.
La niña abrió el libro en el jardín.
El caballo hambriento vio la patata.
La mujer vende el gato.
Cada día el cocinero encuentra la pelota blanca.
Los niños cansados comen la manzana dulce en la escuela.
Los alumnos llamaron al ratón en el parque.
El hombre lanzó el plátano barato en la escuela.
El profesor lanzó los tomates.
El profesor vendió los caballos.
Los niños besan al conejo.
El médico feliz llamó al alumno.
Por la mañana el niño feliz visitó al hombre.
Los hombres inteligentes limpiaron las sillas rojas.
Los médicos ven a las mujeres.
El pato negro encontró los pasteles.
El alumno lavó a los caballos pequeños.
Cada día el pájaro blanco esconde la llave.
El profesor feliz alimentó al caballo en el jardín.
Las niñas hambrientas besaron al gato grande.
Cada día los cocineros jóvenes abren la puerta.
La niña comió las manzanas.
El cocinero besó al alumno.
Ayer el médico feliz lavó al perro.
Los cocineros hambrientos huelen la sopa en la escuela.
Hoy el hombre besa a los perros.
La niña feliz visitó al alumno inteligente en el jardín.
El pájaro grande persiguió al perro inteligente.
El profesor inteligente trajo la manzana.
Cada día el hombre dibuja la silla grande en el parque.
El alumno abrió el libro viejo.
El perro cansado mordió a la niña en la escuela.
El cocinero comió el huevo.
El niño feliz visitó a la niña.
La mujer lanza la llave.
El cocinero visitó al profesor joven.
El hombre hambriento persigue al perro blanco en la cocina.
Hoy el alumno feliz alimenta a los gatos.
La niña feliz abrió el libro hermoso.
El hombre joven cocina la patata roja en la cocina.
El niño cerró la ventana en el jardín.
Los hombres esconden los libros grandes.
Ayer el médico amable alimentó al pájaro amable.
Hoy los médicos inteligentes llaman al perro.
El caballo escondió las flores.
Cada día los profesores felices atrapan al ratón.
Los profesores vendieron los ratones.
Cada día el alumno inteligente escribe los libros.
Ayer el ratón atrapó a los patos en el jardín.
El cocinero escribe el libro pequeño.
La niña lanzó los plátanos rojos en la escuela.
Los cocineros inteligentes lavan al gato grande.
La niña hambrienta abre los libros.
El alumno visitó al profesor.
Por la mañana la mujer llamó al médico.
Ayer el alumno cansado visitó al médico en la cocina.
El niño inteligente dibujó la patata fresca en el parque.
Las niñas hambrientas lavaron la manzana dulce.
Cada día el niño cierra la ventana barata.
Los alumnos inteligentes limpiaron las sillas.
El alumno persiguió al caballo.
El alumno escondió las pelotas caras en la escuela.
Hoy el cocinero inteligente visitó a la mujer.
Los hombres jóvenes dibujaron al profesor en la cocina.
Las mujeres jóvenes cierran las puertas.
El cocinero olió las flores hermosas.
Por la mañana el hombre cierra las puertas en la escuela.
El niño lanzó las llaves en el parque.
El perro cansado atrapa al ratón feliz en la cocina.
El cocinero inteligente atrapa las pelotas.
El médico cerró la ventana en la escuela.
Cada día el cocinero feliz lanza la llave en la cocina.
El niño joven encuentra al pájaro cansado en la escuela.
Los cocineros amables besan al perro negro en el parque.
Los niños hambrientos persiguieron a los profesores cansados.
